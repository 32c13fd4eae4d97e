using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Client.Orders;

/// <summary>
/// Where an order stands. An extensible enum: the API may add values, which arrive as they are rather than failing to
/// parse. Compared ignoring case and '_', so <c>"in_progress"</c>, <c>"InProgress"</c> and <see cref="InProgress"/> are equal.
/// </summary>
[JsonConverter(typeof(OrderStatusJsonConverter))]
public readonly struct OrderStatus : IEquatable<OrderStatus>
{
    private readonly string? _value;

    /// <summary>A status by its wire name.</summary>
    public OrderStatus(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>Recorded; checks passed; the saga is about to run.</summary>
    public static OrderStatus Accepted { get; } = new("accepted");

    /// <summary>Waiting for capacity or for the market to open; may be cancelled.</summary>
    public static OrderStatus Queued { get; } = new("queued");

    /// <summary>Steps with effects are under way.</summary>
    public static OrderStatus InProgress { get; } = new("in_progress");

    /// <summary>Done: tokens minted, burned and paid, or moved.</summary>
    public static OrderStatus Settled { get; } = new("settled");

    /// <summary>Stopped before any lasting effect, or with its effects undone.</summary>
    public static OrderStatus Failed { get; } = new("failed");

    /// <summary>Cancelled by the partner while queued.</summary>
    public static OrderStatus Cancelled { get; } = new("cancelled");

    /// <summary>A deposit waiting for an operator.</summary>
    public static OrderStatus Held { get; } = new("held");

    /// <summary>Settled, failed or cancelled: nothing more will happen.</summary>
    public bool IsTerminal => this == Settled || this == Failed || this == Cancelled;

    public static implicit operator OrderStatus(string value) => new(value);

    public static bool operator ==(OrderStatus left, OrderStatus right) => left.Equals(right);

    public static bool operator !=(OrderStatus left, OrderStatus right) => !left.Equals(right);

    public bool Equals(OrderStatus other) => WireName.Equals(_value, other._value);

    public override bool Equals(object? obj) => obj is OrderStatus other && Equals(other);

    public override int GetHashCode() => WireName.HashCode(_value);

    /// <summary>The wire name, e.g. <c>in_progress</c>.</summary>
    public override string ToString() => _value ?? "";

    [EditorBrowsable(EditorBrowsableState.Never)]
    public static OrderStatus FromString(string value) => new(value);
}

/// <summary>What an order does: <see cref="Mint"/>, <see cref="Redeem"/> or <see cref="Transfer"/> (extensible, as <see cref="OrderStatus"/>).</summary>
[JsonConverter(typeof(OrderKindJsonConverter))]
public readonly struct OrderKind : IEquatable<OrderKind>
{
    private readonly string? _value;

    /// <summary>A kind by its wire name.</summary>
    public OrderKind(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>Cash in, tokens minted.</summary>
    public static OrderKind Mint { get; } = new("mint");

    /// <summary>Tokens burned, cash out.</summary>
    public static OrderKind Redeem { get; } = new("redeem");

    /// <summary>Tokens moved between chains.</summary>
    public static OrderKind Transfer { get; } = new("transfer");

    public static implicit operator OrderKind(string value) => new(value);

    public static bool operator ==(OrderKind left, OrderKind right) => left.Equals(right);

    public static bool operator !=(OrderKind left, OrderKind right) => !left.Equals(right);

    public bool Equals(OrderKind other) => WireName.Equals(_value, other._value);

    public override bool Equals(object? obj) => obj is OrderKind other && Equals(other);

    public override int GetHashCode() => WireName.HashCode(_value);

    /// <summary>The wire name, e.g. <c>mint</c>.</summary>
    public override string ToString() => _value ?? "";

    [EditorBrowsable(EditorBrowsableState.Never)]
    public static OrderKind FromString(string value) => new(value);
}

/// <summary>Compares enum wire names the way the API parses them: case-insensitive, '_' and '-' ignored.</summary>
internal static class WireName
{
    public static bool Equals(string? left, string? right) => string.Equals(Key(left), Key(right), StringComparison.Ordinal);

    public static int HashCode(string? value) => StringComparer.Ordinal.GetHashCode(Key(value));

    private static string Key(string? value) =>
        (value ?? "").Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}

internal sealed class OrderStatusJsonConverter : JsonConverter<OrderStatus>
{
    public override OrderStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("An order status is a string."));

    public override void Write(Utf8JsonWriter writer, OrderStatus value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

internal sealed class OrderKindJsonConverter : JsonConverter<OrderKind>
{
    public override OrderKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("An order kind is a string."));

    public override void Write(Utf8JsonWriter writer, OrderKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
