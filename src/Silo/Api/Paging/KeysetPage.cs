using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Paging;

/// <summary>
/// Keyset paging of a listing whose rows each have a stable, unique, ordinal-ordered key (a symbol, an account id, a key
/// id, a chain and address, a sequence). A page holds the rows after the cursor's key, so a row added or removed between
/// pages neither repeats nor hides another. The cursor is base64url of <c>{listing}|{key}</c>: a cursor of another
/// listing, or one this API did not issue, is 400 <c>cursor_invalid</c>; query parameters other than <c>cursor</c> and
/// <c>limit</c> are 400 <c>filter_unknown</c>.
/// </summary>
public static class KeysetPage
{
    private static readonly string[] Parameters = ["cursor", "limit"];

    /// <summary>
    /// The page of <paramref name="rows"/> (in ascending ordinal order of <paramref name="keyOf"/>) after the request's
    /// cursor, at most its <c>limit</c> (1-500, default 50) long.
    /// </summary>
    public static PageView<TView> Of<TRow, TView>(HttpContext context, string listing, IEnumerable<TRow> rows, Func<TRow, string> keyOf, Func<TRow, TView> view)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(keyOf);
        ArgumentNullException.ThrowIfNull(view);
        foreach (var (key, values) in context.Request.Query)
        {
            if (!Parameters.Contains(key, StringComparer.Ordinal))
            {
                throw Problem("filter_unknown", $"'{key}' is not a parameter of this listing; parameters: cursor, limit.");
            }
            if (values.Count > 1)
            {
                throw Problem("filter_unknown", $"'{key}' is given more than once.");
            }
        }
        var limitText = context.Request.Query["limit"].ToString();
        var limit = limitText.Length == 0 ? 50
            : int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l is >= 1 and <= 500 ? l
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, "limit_invalid", "limit must be 1-500.");
        var after = Decode(listing, context.Request.Query["cursor"].ToString());
        var ordered = rows.Select(r => (Key: keyOf(r), Row: r)).OrderBy(r => r.Key, StringComparer.Ordinal);
        var page = (after is null ? ordered : ordered.Where(r => string.CompareOrdinal(r.Key, after) > 0)).Take(limit + 1).ToList();
        var hasMore = page.Count > limit;
        if (hasMore)
        {
            page.RemoveAt(limit);
        }
        return new PageView<TView>(page.Select(r => view(r.Row)).ToArray(), hasMore, hasMore ? Encode(listing, page[^1].Key) : null);
    }

    /// <summary>A key that orders larger sequence numbers first (newest first) under ordinal comparison.</summary>
    public static string Descending(long sequence) => (long.MaxValue - sequence).ToString("D19", CultureInfo.InvariantCulture);

    private static string Encode(string listing, string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(listing + "|" + key));

    private static string? Decode(string listing, string cursor)
    {
        if (cursor.Length == 0)
        {
            return null;
        }
        var invalid = ListCursor.InvalidCursor();
        var text = ListCursor.DecodeText(cursor, 400);
        var separator = text.IndexOf('|', StringComparison.Ordinal);
        return separator > 0 && text.AsSpan(0, separator).SequenceEqual(listing) && separator < text.Length - 1
            ? text[(separator + 1)..]
            : throw invalid;
    }

    private static ApiProblemException Problem(string code, string detail) => new(StatusCodes.Status400BadRequest, code, detail);
}
