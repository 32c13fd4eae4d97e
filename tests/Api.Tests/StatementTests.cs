using System.Globalization;
using System.Net;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Client.Statements;

namespace Sharemint.Api.Tests;

/// <summary>
/// The cash statement on a silo that really mints on anvil: a fresh partner is credited, mints (settled) and cancels
/// a mint where it can; the statement, as pages and as CSV, accounts for every cent of the balance's change.
/// </summary>
[Collection(ChainApiCollection.Name)]
public sealed class StatementTests(ChainApiSilo platform)
{
    [Fact]
    public async Task Cash_statement_totals_equal_the_change_in_the_cash_balance()
    {
        var (accountId, keyId, secret, wallet) = await OnboardAsync("stmt-flow");
        var partner = Client(keyId, secret);
        var admin = platform.Admin();
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        await admin.CreditCashAsync(accountId, 10_000m);

        // Two mints run to the end; a third is cancelled if it is still queued when the cancel arrives.
        var orders = new List<Order>();
        for (var i = 0; i < 3; i++)
        {
            Quote quote = await partner.Quotes.CreateAsync("TSLAx", QuoteSide.Mint, 0.01m + (i * 0.01m));
            Order placed = await partner.Orders.MintAsync(quote.QuoteId, "ethereum", wallet, $"stmt-mint-{i}");
            if (i == 2)
            {
                try
                {
                    await partner.Orders.CancelAsync(placed.OrderId);
                }
                catch (SharemintApiException ex) when (ex.Code == "order_not_cancellable")
                {
                    // Already under way: it settles instead, which the statement must show just the same.
                }
            }
            orders.Add(await partner.Orders.WaitUntilCompletedAsync(placed.OrderId, new OrderWaitOptions { Timeout = TimeSpan.FromMinutes(2) }));
        }
        var to = DateTimeOffset.UtcNow.AddSeconds(1);
        var account = (await partner.Account.GetAsync()).Value;

        // Every page once, in sequence order, and the same lines as the CSV.
        var entries = await partner.Statements.GetCashAsync(from, to).AsPages(pageSizeHint: 2).SelectMany(p => p.Values.ToAsyncEnumerable()).ToListAsync();
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
        Assert.Equal(10_000m, Assert.Single(entries, e => e.Kind == "credit").CashChange);
        foreach (var order in orders)
        {
            var lines = entries.Where(e => e.Reference.Contains(order.OrderId, StringComparison.Ordinal)).ToList();
            var hold = Assert.Single(lines, e => e.Kind == "hold");
            Assert.Equal(-order.Cash!.Value, hold.CashChange);
            Assert.Equal(order.Status == OrderStatus.Settled ? "capture" : "release", Assert.Single(lines, e => e.Kind != "hold").Kind);
        }

        var csv = await partner.Statements.GetCashCsvAsync(from, to);
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sequence,at,kind,reference,cash_change,held_change,cash_balance_after", rows[0]);
        Assert.Equal(entries.Count, rows.Length - 1);
        var cashTotal = rows.Skip(1).Sum(r => decimal.Parse(r.Split(',')[4], CultureInfo.InvariantCulture));
        var heldTotal = rows.Skip(1).Sum(r => decimal.Parse(r.Split(',')[5], CultureInfo.InvariantCulture));
        // The account started at zero: the CSV's totals are the balance and the cash still held.
        Assert.Equal(account.CashBalance, cashTotal);
        Assert.Equal(account.CashHeld, heldTotal);
        Assert.Equal(account.CashBalance, decimal.Parse(rows[^1].Split(',')[6], CultureInfo.InvariantCulture));
        Assert.Equal(10_000m - orders.Where(o => o.Status == OrderStatus.Settled).Sum(o => o.Cash!.Value), account.CashBalance);

        // Fills: each settled order once, with its quote's price and fee and its transactions; the CSV has the same rows.
        var settled = orders.Where(o => o.Status == OrderStatus.Settled).ToList();
        var fills = await partner.Statements.GetFillsAsync(from, to).AsPages(pageSizeHint: 1).SelectMany(p => p.Values.ToAsyncEnumerable()).ToListAsync();
        Assert.Equal(settled.Select(o => o.OrderId).Order(), fills.Select(f => f.OrderId).Order());
        foreach (var fill in fills)
        {
            var order = settled.Single(o => o.OrderId == fill.OrderId);
            Assert.Equal(order.Cash, fill.Cash);
            Assert.Equal(order.AmountUnits, fill.AmountUnits);
            Assert.Equal(250m, fill.PricePerShare);
            Assert.True(fill.Fee > 0m);
            Assert.NotEmpty(fill.TransactionIds);
        }
        var fillRows = (await partner.Statements.GetFillsCsvAsync(from, to)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(settled.Count, fillRows.Length - 1);
        Assert.Equal(settled.Sum(o => o.Cash!.Value), fillRows.Skip(1).Sum(r => decimal.Parse(r.Split(',')[8], CultureInfo.InvariantCulture)));

        // Accept: text/csv answers the same document; a range that ends before the first line is empty.
        using (var request = ApiSilo.Signed(HttpMethod.Get, Path(from, to), null, keyId, secret))
        {
            request.Headers.Accept.ParseAdd("text/csv");
            using var response = await platform.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(csv, await response.Content.ReadAsStringAsync());
        }
        Assert.Empty(await partner.Statements.GetCashAsync(from.AddDays(-2), from.AddDays(-1)).ToListAsync());
    }

    /// <summary>
    /// 70 credits: the account's state keeps the recent lines and the oldest 64 are in the archive. The JSON pages cross
    /// that boundary without skipping or repeating a line, and the CSV lists the archived lines as it lists the others,
    /// amounts with their cents as credited.
    /// </summary>
    [Fact]
    public async Task Statements_list_archived_lines_once_across_pages_and_in_the_csv()
    {
        var (accountId, keyId, secret, _) = await OnboardAsync("stmt-archive");
        var partner = Client(keyId, secret);
        var admin = platform.Admin();
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var amounts = Enumerable.Range(1, 70).Select(i => i + 0.10m).ToList();
        foreach (var amount in amounts)
        {
            await admin.CreditCashAsync(accountId, amount);
        }
        var to = DateTimeOffset.UtcNow.AddSeconds(1);
        await using (var data = Npgsql.NpgsqlDataSource.Create(platform.ConnectionString))
        {
            await using var archived = data.CreateCommand("SELECT max(last_sequence) FROM account_cash_journal_batches WHERE account_id = $1");
            archived.Parameters.AddWithValue(accountId);
            Assert.Equal(64L, await archived.ExecuteScalarAsync());
        }

        var entries = await partner.Statements.GetCashAsync(from, to).AsPages(pageSizeHint: 9).SelectMany(p => p.Values.ToAsyncEnumerable()).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 70).Select(i => (long)i), entries.Select(e => e.Sequence));
        Assert.Equal(amounts, entries.Select(e => e.CashChange));
        var balances = amounts.Select((_, i) => amounts.Take(i + 1).Sum()).ToList();
        Assert.Equal(balances, entries.Select(e => e.CashBalanceAfter));
        Assert.All(entries, e => Assert.Equal("credit", e.Kind));

        var rows = (await partner.Statements.GetCashCsvAsync(from, to)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(70, rows.Count);
        Assert.Equal(entries.Select(e => (e.Sequence, e.Kind, e.CashChange, e.CashBalanceAfter)),
            rows.Select(r => r.Split(',')).Select(c => (long.Parse(c[0], CultureInfo.InvariantCulture), c[2],
                decimal.Parse(c[4], CultureInfo.InvariantCulture), decimal.Parse(c[6], CultureInfo.InvariantCulture))));
        // An archived line (1) and one still in the account's state (70) print their cents alike.
        Assert.Equal(("1.10", "1.10"), (rows[0].Split(',')[4], rows[0].Split(',')[6]));
        Assert.Equal(("70.10", "2492.00"), (rows[69].Split(',')[4], rows[69].Split(',')[6]));
    }

    [Fact]
    public async Task Bad_ranges_cursors_and_formats_are_refused_with_stable_codes()
    {
        var (_, keyId, secret, _) = await OnboardAsync("stmt-bad");
        var now = DateTimeOffset.UtcNow;
        var cases = new (string Path, string Code)[]
        {
            (Path(now, now), "statement_range_invalid"),
            (Path(now, now.AddDays(-1)), "statement_range_invalid"),
            (Path(now.AddDays(-400), now), "statement_range_invalid"),
            ("v1/statements/cash?to=2026-01-01T00:00:00Z", "statement_range_invalid"),
            ("v1/statements/cash?from=2026-01-01T00:00:00&to=2026-02-01T00:00:00Z", "statement_range_invalid"),
            (Path(now.AddDays(-1), now) + "&cursor=garbage", "cursor_invalid"),
            (Path(now.AddDays(-1), now) + "&cursor=bzF8MTIz", "cursor_invalid"),
            (Path(now.AddDays(-1), now) + "&format=xml", "format_invalid"),
            (Path(now.AddDays(-1), now) + "&limit=0", "limit_invalid"),
            (Path(now.AddDays(-1), now) + "&kind=hold", "filter_unknown"),
            (Path(now, now).Replace("/cash", "/fills", StringComparison.Ordinal), "statement_range_invalid"),
            (Path(now.AddDays(-1), now).Replace("/cash", "/fills", StringComparison.Ordinal) + "&cursor=garbage", "cursor_invalid"),
        };
        foreach (var (path, code) in cases)
        {
            using var request = ApiSilo.Signed(HttpMethod.Get, path, null, keyId, secret);
            await Problems.AssertAsync(await platform.Http.SendAsync(request), HttpStatusCode.BadRequest, code);
        }
        var ex = await Assert.ThrowsAsync<SharemintApiException>(async () =>
            await Client(keyId, secret).Statements.GetCashAsync(now, now.AddDays(-1)).ToListAsync());
        Assert.Equal("statement_range_invalid", ex.Code);
    }

    private static string Path(DateTimeOffset from, DateTimeOffset to) =>
        $"v1/statements/cash?from={Uri.EscapeDataString(from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))}" +
        $"&to={Uri.EscapeDataString(to.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))}";

    private SharemintClient Client(string keyId, string secret) =>
        new(platform.Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = keyId, Secret = secret, MaxRetries = 0 });

    private async Task<(string AccountId, string KeyId, string Secret, string Wallet)> OnboardAsync(string prefix)
    {
        var admin = platform.Admin();
        var id = $"{prefix}-{Guid.NewGuid():N}"[..24];
        var wallet = "0x" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..40];
        await admin.OnboardPartnerAsync(new PartnerOnboarding(id, "Statements", "DE", MaxOrderCash: 1_000_000m, MaxDailyCash: 100_000_000m));
        await admin.SetKycAsync(id, "approved");
        await admin.AllowWalletAsync(id, "ethereum", wallet);
        var key = (await admin.CreatePartnerKeyAsync(id, "statements", ["read", "trade"], null)).Value;
        return (id, key.Key.KeyId, key.Secret, wallet);
    }
}
