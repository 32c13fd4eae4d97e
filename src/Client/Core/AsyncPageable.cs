using System.Runtime.CompilerServices;

namespace Sharemint.Client;

/// <summary>One page of a listing: its values, the token that continues after it (null on the last page), and the answer.</summary>
public class Page<T>
{
    /// <summary>For mocking.</summary>
    protected Page()
    {
        Values = [];
        RawResponse = new Response(0, new Dictionary<string, IReadOnlyList<string>>());
    }

    /// <summary>A page of <paramref name="values"/>.</summary>
    public Page(IReadOnlyList<T> values, string? continuationToken, Response rawResponse)
    {
        Values = values;
        ContinuationToken = continuationToken;
        RawResponse = rawResponse;
    }

    /// <summary>The values of this page, in the listing's order.</summary>
    public virtual IReadOnlyList<T> Values { get; }

    /// <summary>The API's <c>next_cursor</c>: pass it to <see cref="AsyncPageable{T}.AsPages"/> to resume; null when no page follows.</summary>
    public virtual string? ContinuationToken { get; }

    /// <summary>The HTTP answer this page came in.</summary>
    public virtual Response RawResponse { get; }
}

/// <summary>
/// A listing the API serves by cursor. Enumerate it with <c>await foreach</c> for every item across pages (each page is
/// fetched when the previous one is used up), or with <see cref="AsPages"/> page by page, resumable from a saved token.
/// </summary>
public abstract class AsyncPageable<T> : IAsyncEnumerable<T>
{
    /// <summary>The cancellation token every page request uses.</summary>
    protected virtual CancellationToken CancellationToken { get; }

    /// <summary>For mocking.</summary>
    protected AsyncPageable()
    {
    }

    /// <summary>A listing whose page requests use <paramref name="cancellationToken"/>.</summary>
    protected AsyncPageable(CancellationToken cancellationToken) => CancellationToken = cancellationToken;

    /// <summary>The pages, starting after <paramref name="continuationToken"/> (from the start when null).</summary>
    public abstract IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null);

    /// <summary>Every item of every page.</summary>
    public virtual async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var page in AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var value in page.Values)
            {
                yield return value;
            }
        }
    }

    /// <summary>A listing over a function that fetches one page from a cursor.</summary>
    public static AsyncPageable<T> FromPages(Func<string?, int?, CancellationToken, Task<Page<T>>> fetchPage, CancellationToken cancellationToken = default) =>
        new FuncPageable(fetchPage, cancellationToken);

    private sealed class FuncPageable(Func<string?, int?, CancellationToken, Task<Page<T>>> fetchPage, CancellationToken cancellationToken)
        : AsyncPageable<T>(cancellationToken)
    {
        public override IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null) =>
            Pages(continuationToken, pageSizeHint, CancellationToken);

        private async IAsyncEnumerable<Page<T>> Pages(string? token, int? size, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            while (true)
            {
                var page = await fetchPage(token, size, cancellationToken).ConfigureAwait(false);
                yield return page;
                if (page.ContinuationToken is null)
                {
                    yield break;
                }
                token = page.ContinuationToken;
            }
        }
    }
}
