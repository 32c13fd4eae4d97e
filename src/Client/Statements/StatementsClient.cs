using System.Globalization;
using System.Text.Json.Serialization;
using Sharemint.Client.Http;

namespace Sharemint.Client.Statements;

/// <summary>
/// One line of the cash statement: a <c>credit</c>, <c>debit</c>, <c>hold</c>, <c>capture</c> or <c>release</c>.
/// <see cref="CashChange"/> is the change of the available balance (its sum over a range is the balance's change);
/// <see cref="HeldChange"/> the change of the cash held for open mints. USD.
/// </summary>
public sealed record CashStatementEntry(
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("reference")] string Reference,
    [property: JsonPropertyName("cash_change")] decimal CashChange,
    [property: JsonPropertyName("held_change")] decimal HeldChange,
    [property: JsonPropertyName("cash_balance_after")] decimal CashBalanceAfter);

/// <summary>The partner's statements, for reconciliation.</summary>
public class StatementsClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected StatementsClient() => _transport = null!;

    public StatementsClient(ApiTransport transport) => _transport = transport;

    /// <summary>
    /// The cash journal in [<paramref name="from"/>, <paramref name="to"/>), oldest first, paged by cursor.
    /// <c>statement_range_invalid</c> unless from is earlier than to and at most 366 days before it.
    /// </summary>
    public virtual AsyncPageable<CashStatementEntry> GetCashAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        _transport.Pageable<CashStatementEntry>("v1/statements/cash" + Range(from, to), cancellationToken);

    /// <summary>The cash journal in [<paramref name="from"/>, <paramref name="to"/>) as one CSV document (header line first).</summary>
    public virtual async Task<string> GetCashCsvAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        using var response = await _transport.SendRawAsync(HttpMethod.Get, "v1/statements/cash" + Range(from, to) + "&format=csv", null, null, cancellationToken)
            .ConfigureAwait(false);
        await SharemintApiException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Range(DateTimeOffset from, DateTimeOffset to) =>
        "?from=" + Uri.EscapeDataString(from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture))
        + "&to=" + Uri.EscapeDataString(to.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
}
