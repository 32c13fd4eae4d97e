using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sharemint.Accounts;
using Sharemint.Orders;
using Sharemint.Silo.Api.Paging;
using Sharemint.Silo.Api.Problems;
using Sharemint.Silo.Api.Security;

namespace Sharemint.Silo.Api.Statements;

/// <summary>The query of a statement: a required time range (<c>from</c> inclusive, <c>to</c> exclusive), a cursor, a page size and a format.</summary>
public sealed record StatementParameters(
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "cursor")] string? Cursor,
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "format")] string? Format);

/// <summary>One line of the cash statement. Amounts are USD; <c>cash_change</c> summed over a range is the change of the available balance.</summary>
public sealed record CashEntryView(
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("reference")] string Reference,
    [property: JsonPropertyName("cash_change")] decimal CashChange,
    [property: JsonPropertyName("held_change")] decimal HeldChange,
    [property: JsonPropertyName("cash_balance_after")] decimal CashBalanceAfter)
{
    public static CashEntryView From(CashJournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.Sequence, entry.At, ApiRoutes.EnumName(entry.Kind), entry.Reference, entry.CashChange, entry.HeldChange, entry.CashBalanceAfter);
    }
}

/// <summary>
/// One settled order: what moved, at what price and fee, and the chain transactions. Mints and redemptions carry
/// their quote's price per share and fee (USD); a transfer carries none.
/// </summary>
public sealed record FillView(
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("symbol")] string Symbol,
    [property: JsonPropertyName("chain")] string Chain,
    [property: JsonPropertyName("wallet")] string Wallet,
    [property: JsonPropertyName("amount")] string Amount,
    [property: JsonPropertyName("amount_units")] long AmountUnits,
    [property: JsonPropertyName("price_per_share")] decimal? PricePerShare,
    [property: JsonPropertyName("fee")] decimal? Fee,
    [property: JsonPropertyName("cash")] decimal? Cash,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("settled_at")] DateTimeOffset SettledAt,
    [property: JsonPropertyName("transaction_ids")] IReadOnlyList<string> TransactionIds,
    [property: JsonPropertyName("client_reference")] string? ClientReference);

/// <summary>
/// Statements under <c>/v1/statements</c>: the partner's cash journal by time range, as JSON pages or as CSV
/// (<c>Accept: text/csv</c> or <c>format=csv</c>; the CSV holds the whole range, oldest first).
/// </summary>
public static class StatementEndpoints
{
    private const string CursorPrefix = "c1";
    private static readonly string[] Keys = ["from", "to", "cursor", "limit", "format"];
    private static readonly TimeSpan LongestRange = TimeSpan.FromDays(366);

    public static void MapStatements(this IEndpointRouteBuilder endpoints)
    {
        var statements = endpoints.MapGroup(ApiRoutes.PartnerPrefix + "/statements").WithTags("Statements").RequirePartnerKey()
            .ProducesCommonProblems();
        statements.MapGet("/cash", GetCashStatementAsync)
            .RequireScope(ApiScope.Read)
            .WithName("GetCashStatement")
            .WithSummary("The partner's cash journal (every credit, debit, hold, capture and release) in [from, to), oldest first: JSON pages (data, has_more, next_cursor), or the whole range as CSV with Accept: text/csv or format=csv.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        statements.MapGet("/fills", GetFillsAsync)
            .RequireScope(ApiScope.Read)
            .WithName("GetFillsStatement")
            .WithSummary("The partner's settled orders created in [from, to), newest first, with amounts, price, fee, cash and transaction ids: JSON pages (data, has_more, next_cursor), or the whole range as CSV with Accept: text/csv or format=csv.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Results<Ok<PageView<FillView>>, ContentHttpResult>> GetFillsAsync(
        [AsParameters] StatementParameters parameters, ApiPrincipal principal, HttpContext context, IGrainFactory grains)
    {
        RefuseUnknownKeys(context);
        var (from, to) = Range(parameters);
        var csv = Csv(parameters.Format, context);
        var query = new OrderListQuery(AccountId: principal.PartnerAccountId, Status: OrderStatus.Settled, CreatedFrom: from, CreatedBefore: to,
            After: ListCursor.Decode(parameters.Cursor), Limit: csv ? 500 : Limit(parameters.Limit));
        var index = Partner.PartnerEndpoints.OrderIndex(context);
        if (!csv)
        {
            var page = await index.PageAsync(query, context.RequestAborted);
            var fills = await FillsAsync(grains, page);
            return TypedResults.Ok(new PageView<FillView>(fills, page.HasMore, page.Next is { } next ? ListCursor.Encode(next) : null));
        }
        var text = new StringBuilder("order_id,kind,symbol,chain,wallet,amount,price_per_share,fee,cash,created_at,settled_at,transaction_ids,client_reference\n");
        OrderListPage chunk;
        do
        {
            chunk = await index.PageAsync(query, context.RequestAborted);
            foreach (var f in await FillsAsync(grains, chunk))
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"{f.OrderId},{f.Kind},{f.Symbol},{f.Chain},{f.Wallet},{f.Amount},{f.PricePerShare},{f.Fee},{f.Cash},{f.CreatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffffZ},{f.SettledAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffffZ},{string.Join(';', f.TransactionIds)},{Field(f.ClientReference ?? "")}\n");
            }
            query = query with { After = chunk.Next };
        }
        while (chunk.HasMore && chunk.Next is not null);
        return TypedResults.Text(text.ToString(), "text/csv; charset=utf-8");
    }

    // The index row says which orders; the order grain holds the figures, and the signed quote it was accepted with.
    private static async Task<FillView[]> FillsAsync(IGrainFactory grains, OrderListPage page) =>
        await Task.WhenAll(page.Entries.Select(async entry =>
        {
            var order = await grains.GetGrain<IOrderGrain>(entry.OrderId).GetAsync();
            var quote = order.Quote;
            return new FillView(order.OrderId, ApiRoutes.EnumName(order.Kind), order.Symbol, order.Chain, order.Wallet,
                order.Amount.ToString(), order.Amount.Units, quote?.PricePerShare, quote?.Fee, order.Cash, order.CreatedAt, order.UpdatedAt,
                order.TransactionIds, entry.ClientReference);
        }));

    private static async Task<Results<Ok<PageView<CashEntryView>>, ContentHttpResult>> GetCashStatementAsync(
        [AsParameters] StatementParameters parameters, ApiPrincipal principal, HttpContext context, IGrainFactory grains)
    {
        RefuseUnknownKeys(context);
        var (from, to) = Range(parameters);
        var csv = Csv(parameters.Format, context);
        var after = DecodeCursor(parameters.Cursor);
        var account = grains.GetGrain<IHolderAccountGrain>(principal.PartnerAccountId);
        if (!csv)
        {
            var page = await account.GetCashJournalAsync(from, to, after, Limit(parameters.Limit));
            var next = page.HasMore && page.Entries.Length > 0 ? EncodeCursor(page.Entries[^1].Sequence) : null;
            return TypedResults.Ok(new PageView<CashEntryView>(page.Entries.Select(CashEntryView.From).ToArray(), page.HasMore, next));
        }
        var text = new StringBuilder("sequence,at,kind,reference,cash_change,held_change,cash_balance_after\n");
        CashJournalPage chunk;
        do
        {
            chunk = await account.GetCashJournalAsync(from, to, after, 500);
            foreach (var entry in chunk.Entries)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"{entry.Sequence},{entry.At.UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffffZ},{ApiRoutes.EnumName(entry.Kind)},{Field(entry.Reference)},{entry.CashChange},{entry.HeldChange},{entry.CashBalanceAfter}\n");
                after = entry.Sequence;
            }
        }
        while (chunk.HasMore);
        return TypedResults.Text(text.ToString(), "text/csv; charset=utf-8");
    }

    private static void RefuseUnknownKeys(HttpContext context)
    {
        foreach (var (key, values) in context.Request.Query)
        {
            if (!Keys.Contains(key, StringComparer.Ordinal) || values.Count > 1)
            {
                throw Problem("filter_unknown", $"'{key}' is not a parameter of statements, or is given twice; parameters: {string.Join(", ", Keys)}.");
            }
        }
    }

    private static (DateTimeOffset From, DateTimeOffset To) Range(StatementParameters parameters)
    {
        var from = Time(parameters.From, "from");
        var to = Time(parameters.To, "to");
        if (from >= to || to - from > LongestRange)
        {
            throw Problem("statement_range_invalid", "from must be earlier than to, and the range at most 366 days.");
        }
        return (from, to);
    }

    private static DateTimeOffset Time(string? value, string field)
    {
        // RFC 3339 with an offset only: a bare local time would name different instants on different machines.
        if (value is null || value.Length is < 20 or > 40 || !(value.EndsWith('Z') || value[^6] is '+' or '-')
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            throw Problem("statement_range_invalid", $"{field} is required, an RFC 3339 time with an offset, e.g. 2026-01-31T14:00:00Z.");
        }
        return parsed.ToUniversalTime();
    }

    private static bool Csv(string? format, HttpContext context) => format switch
    {
        null => context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)),
        "csv" => true,
        "json" => false,
        _ => throw Problem("format_invalid", "format is json or csv."),
    };

    private static int Limit(string? limit) =>
        limit is null ? 100
        : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 500 ? value
        : throw Problem("limit_invalid", "limit must be 1-500.");

    private static string EncodeCursor(long sequence) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{CursorPrefix}|{sequence}")));

    private static long DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }
        if (cursor.Length <= 64 && Base64Url.IsValid(cursor))
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
            if (parts.Length == 2 && parts[0] == CursorPrefix
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence > 0)
            {
                return sequence;
            }
        }
        throw Problem("cursor_invalid", "cursor must be a next_cursor value from a previous page of this statement.");
    }

    // References are ids without commas today; quote anyway so a future one cannot shift the columns.
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static ApiProblemException Problem(string code, string detail) => new(StatusCodes.Status400BadRequest, code, detail);
}
