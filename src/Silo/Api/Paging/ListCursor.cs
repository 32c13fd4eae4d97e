using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Sharemint.Orders;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Paging;

/// <summary>
/// The opaque cursor of a keyset listing: base64url of <c>o1|{created_at in Unix microseconds}|{order id}</c>. Opaque to
/// partners (its format may change with its version prefix); anything that does not decode is 400 <c>cursor_invalid</c>.
/// </summary>
public static class ListCursor
{
    private const string OrderPrefix = "o1";

    /// <summary>The cursor that resumes after <paramref name="position"/>.</summary>
    public static string Encode(OrderListPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var micros = (position.CreatedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var text = string.Create(CultureInfo.InvariantCulture, $"{OrderPrefix}|{micros}|{position.OrderId}");
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The position a cursor names; null for no cursor; 400 <c>cursor_invalid</c> for one this API did not issue.</summary>
    public static OrderListPosition? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        var invalid = InvalidCursor();
        var text = DecodeText(cursor, 200);
        var parts = text.Split('|');
        if (parts.Length != 3 || parts[0] != OrderPrefix
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            || micros > (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10
            || !ApiRoutes.IsOrderId(parts[2]))
        {
            throw invalid;
        }
        return new OrderListPosition(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), parts[2]);
    }

    /// <summary>400 <c>cursor_invalid</c>: the one answer for any cursor this API did not issue.</summary>
    internal static ApiProblemException InvalidCursor() => new(StatusCodes.Status400BadRequest, "cursor_invalid",
        "cursor must be a next_cursor value from a previous page of this listing.");

    /// <summary>The text inside a cursor (base64url of UTF-8); <see cref="InvalidCursor"/> when it is not one.</summary>
    internal static string DecodeText(string cursor, int maxLength)
    {
        if (cursor.Length > maxLength || !Base64Url.IsValid(cursor))
        {
            throw InvalidCursor();
        }
        try
        {
            return new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (DecoderFallbackException)
        {
            throw InvalidCursor();
        }
    }
}
