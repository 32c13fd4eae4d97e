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

/// <summary>
/// One settled order: amount, the quote's price per share and fee, the cash (USD; null for a transfer), when it was
/// created and settled, and the chain transactions.
/// </summary>
public sealed record FillStatementEntry(
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("symbol")] string Symbol,
    [property: JsonPropertyName("chain")] string Chain,
    [property: JsonPropertyName("wallet")] string Wallet,
    [property: JsonPropertyName("amount")] decimal Amount,
    [property: JsonPropertyName("amount_units")] long AmountUnits,
    [property: JsonPropertyName("price_per_share")] decimal? PricePerShare,
    [property: JsonPropertyName("fee")] decimal? Fee,
    [property: JsonPropertyName("cash")] decimal? Cash,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("settled_at")] DateTimeOffset SettledAt,
    [property: JsonPropertyName("transaction_ids")] IReadOnlyList<string> TransactionIds,
    [property: JsonPropertyName("client_reference")] string? ClientReference);

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

    /// <summary>The partner's settled orders created in [<paramref name="from"/>, <paramref name="to"/>), newest first, paged by cursor.</summary>
    public virtual AsyncPageable<FillStatementEntry> GetFillsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        _transport.Pageable<FillStatementEntry>("v1/statements/fills" + Range(from, to), cancellationToken);

    /// <summary>The settled orders created in [<paramref name="from"/>, <paramref name="to"/>) as one CSV document (header line first).</summary>
    public virtual Task<string> GetFillsCsvAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        CsvAsync("v1/statements/fills" + Range(from, to), cancellationToken);

    private async Task<string> CsvAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _transport.SendRawAsync(HttpMethod.Get, path + "&format=csv", null, null, cancellationToken).ConfigureAwait(false);
        await SharemintApiException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Range(DateTimeOffset from, DateTimeOffset to) =>
        "?from=" + Uri.EscapeDataString(from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture))
        + "&to=" + Uri.EscapeDataString(to.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
}
