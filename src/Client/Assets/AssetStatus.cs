using System.ComponentModel;
using System.Text.Json.Serialization;
using Sharemint.Client.Orders;

namespace Sharemint.Client.Assets;

/// <summary>Whether an asset mints and redeems. An extensible enum: a value the API adds later arrives as it is; compared ignoring case and '_'.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<AssetStatus>))]
public readonly struct AssetStatus : IEquatable<AssetStatus>, IWireEnum<AssetStatus>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    public AssetStatus(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>Minting and redeeming.</summary>
    public static AssetStatus Active { get; } = new("active");

    /// <summary>Redeeming only: no new mints.</summary>
    public static AssetStatus MintPaused { get; } = new("mint_paused");

    /// <summary>Minting only: no burns.</summary>
    public static AssetStatus RedeemPaused { get; } = new("redeem_paused");

    /// <summary>Neither minting nor redeeming.</summary>
    public static AssetStatus Halted { get; } = new("halted");

    /// <summary>Redemptions only, until the asset's redeem-until time.</summary>
    public static AssetStatus Delisting { get; } = new("delisting");

    /// <summary>Closed: nothing mints or redeems.</summary>
    public static AssetStatus Delisted { get; } = new("delisted");

    /// <summary>True when new mints are refused (<see cref="MintPaused"/>, <see cref="Halted"/>, <see cref="Delisting"/>, <see cref="Delisted"/>).</summary>
    public bool StopsMints => this == MintPaused || this == Halted || this == Delisting || this == Delisted;

    public static implicit operator AssetStatus(string value) => new(value);

    public static bool operator ==(AssetStatus left, AssetStatus right) => left.Equals(right);

    public static bool operator !=(AssetStatus left, AssetStatus right) => !left.Equals(right);

    public bool Equals(AssetStatus other) => WireName.Equals(_value, other._value);

    public override bool Equals(object? obj) => obj is AssetStatus other && Equals(other);

    public override int GetHashCode() => WireName.HashCode(_value);

    /// <summary>The wire name, e.g. <c>mint_paused</c>.</summary>
    public override string ToString() => _value ?? "";

    [EditorBrowsable(EditorBrowsableState.Never)]
    public static AssetStatus FromString(string value) => new(value);

    static AssetStatus IWireEnum<AssetStatus>.FromWire(string value) => new(value);
}
