using System.Text.Json.Serialization;

namespace Sharemint.Silo.Api.Paging;

/// <summary>
/// One page of a listing: <c>data</c> in the listing's order, <c>has_more</c>, and <c>next_cursor</c> to pass as
/// <c>cursor</c> for the next page (null on the last page).
/// </summary>
public sealed record PageView<T>(
    [property: JsonPropertyName("data")] IReadOnlyList<T> Data,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);
