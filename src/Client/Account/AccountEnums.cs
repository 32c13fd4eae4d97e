using System.ComponentModel;
using System.Text.Json.Serialization;
using Sharemint.Client.Orders;

namespace Sharemint.Client.Account;

/// <summary>A partner's KYC status. An extensible enum: a value the API adds later arrives as it is; compared ignoring case and '_'.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<KycStatus>))]
public readonly struct KycStatus : IEquatable<KycStatus>, IWireEnum<KycStatus>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    public KycStatus(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>Onboarded; KYC not yet decided: no orders.</summary>
    public static KycStatus Pending { get; } = new("pending");

    /// <summary>KYC passed: the partner may place orders.</summary>
    public static KycStatus Approved { get; } = new("approved");

    /// <summary>KYC refused: no orders.</summary>
    public static KycStatus Rejected { get; } = new("rejected");

    public static implicit operator KycStatus(string value) => new(value);

    public static bool operator ==(KycStatus left, KycStatus right) => left.Equals(right);

    public static bool operator !=(KycStatus left, KycStatus right) => !left.Equals(right);

    public bool Equals(KycStatus other) => WireName.Equals(_value, other._value);

    public override bool Equals(object? obj) => obj is KycStatus other && Equals(other);

    public override int GetHashCode() => WireName.HashCode(_value);

    /// <summary>The wire name, e.g. <c>approved</c>.</summary>
    public override string ToString() => _value ?? "";

    [EditorBrowsable(EditorBrowsableState.Never)]
    public static KycStatus FromString(string value) => new(value);

    static KycStatus IWireEnum<KycStatus>.FromWire(string value) => new(value);
}

/// <summary>A partner's commercial tier, which sets its default fee. An extensible enum: a value the API adds later arrives as it is; compared ignoring case and '_'.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<PartnerTier>))]
public readonly struct PartnerTier : IEquatable<PartnerTier>, IWireEnum<PartnerTier>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    public PartnerTier(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>The tier a partner gets unless onboarded with another.</summary>
    public static PartnerTier Standard { get; } = new("standard");

    /// <summary>The premium tier (its fee is in the limits endpoint's schedule).</summary>
    public static PartnerTier Premium { get; } = new("premium");

    /// <summary>The institutional tier (its fee is in the limits endpoint's schedule).</summary>
    public static PartnerTier Institutional { get; } = new("institutional");

    public static implicit operator PartnerTier(string value) => new(value);

    public static bool operator ==(PartnerTier left, PartnerTier right) => left.Equals(right);

    public static bool operator !=(PartnerTier left, PartnerTier right) => !left.Equals(right);

    public bool Equals(PartnerTier other) => WireName.Equals(_value, other._value);

    public override bool Equals(object? obj) => obj is PartnerTier other && Equals(other);

    public override int GetHashCode() => WireName.HashCode(_value);

    /// <summary>The wire name, e.g. <c>standard</c>.</summary>
    public override string ToString() => _value ?? "";

    [EditorBrowsable(EditorBrowsableState.Never)]
    public static PartnerTier FromString(string value) => new(value);

    static PartnerTier IWireEnum<PartnerTier>.FromWire(string value) => new(value);
}
