using System.ComponentModel;
using System.Text.Json.Serialization;
using Sharemint.Client.Orders;

namespace Sharemint.Client.CorporateActions;

/// <summary>How far a corporate action has come. An extensible enum: a value the API adds later arrives as it is; compared ignoring case and '_'.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<CorporateActionStage>))]
public readonly struct CorporateActionStage : IEquatable<CorporateActionStage>, IWireEnum<CorporateActionStage>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    public CorporateActionStage(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>Accepted; the pending multiplier is being written to every chain.</summary>
    public static CorporateActionStage Declared { get; } = new("declared");

    /// <summary>Every chain shows the pending multiplier and its effective time.</summary>
    public static CorporateActionStage Scheduled { get; } = new("scheduled");

    /// <summary>Minting and redeeming are paused around the switch.</summary>
    public static CorporateActionStage Paused { get; } = new("paused");

    /// <summary>The ledger switched to the new multiplier; waiting for every chain to show it.</summary>
    public static CorporateActionStage Applied { get; } = new("applied");

    /// <summary>Every chain shows the new multiplier; minting and redeeming resumed.</summary>
    public static CorporateActionStage Completed { get; } = new("completed");

    public static implicit operator CorporateActionStage(string value) => new(value);

    public static bool operator ==(CorporateActionStage left, CorporateActionStage right) => left.Equals(right);

    public static bool operator !=(CorporateActionStage left, CorporateActionStage right) => !left.Equals(right);

    public bool Equals(CorporateActionStage other) => WireName.Equals(_value, other._value);

    public override bool Equals(object? obj) => obj is CorporateActionStage other && Equals(other);

    public override int GetHashCode() => WireName.HashCode(_value);

    /// <summary>The wire name, e.g. <c>scheduled</c>.</summary>
    public override string ToString() => _value ?? "";

    [EditorBrowsable(EditorBrowsableState.Never)]
    public static CorporateActionStage FromString(string value) => new(value);

    static CorporateActionStage IWireEnum<CorporateActionStage>.FromWire(string value) => new(value);
}
