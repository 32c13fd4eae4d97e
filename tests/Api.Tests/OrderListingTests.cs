using System.Net;
using System.Text;
using Npgsql;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Client.Orders;

namespace Sharemint.Api.Tests;

/// <summary>
/// Order listings page by cursor over the order index of a real silo: 2,000 of the demo partner's orders (and another
/// partner's 300) are written to the index, then read back through the SDK with filters, page sizes that do not divide
/// the totals, and rows added while paging.
/// </summary>
public sealed class OrderListingTests(ApiSilo api) : IClassFixture<ApiSilo>, IAsyncLifetime
{
    private const string Demo = "partner-demo";
    private const string Other = "partner-other";
    private static readonly string[] Kinds = ["Mint", "Redeem", "Transfer"];
    private static readonly string[] Statuses = ["Accepted", "Queued", "InProgress", "Settled", "Failed", "Cancelled", "Held"];
    private static readonly string[] Symbols = ["TSLAx", "AAPLx", "NVDAx", "SPYx"];
    private static readonly string[] Chains = ["ethereum", "solana", "bnb"];
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 14, 30, 0, TimeSpan.Zero);

    private readonly List<Row> _rows = [];

    private sealed record Row(string OrderId, string Kind, string Status, string Account, string Symbol, string Chain, DateTimeOffset CreatedAt, string? Reference);

    public async Task InitializeAsync()
    {
        if (await CountAsync() > 0)
        {
            _rows.AddRange(await ReadRowsAsync());
            return;
        }
        // Ten orders share each creation time (to the microsecond), so the order id must break ties for paging to be exact.
        for (var i = 0; i < 2300; i++)
        {
            var account = i < 2000 ? Demo : Other;
            _rows.Add(new Row(OrderId(i), Kinds[i % 3], Statuses[i % 7], account, Symbols[i % 4], Chains[i % 5 % 3],
                Start.AddSeconds(i / 10).AddTicks(i % 2 == 0 ? 0 : 10), i % 9 == 0 ? $"ref-{i}" : null));
        }
        await InsertAsync(_rows);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Paging_through_2000_orders_with_filters_returns_each_exactly_once()
    {
        var partner = Partner();
        var demo = _rows.Where(r => r.Account == Demo).ToList();

        // Every order, newest first, in pages of 500 (an exact multiple) and of 173 (not one).
        await AssertListingAsync(partner.Orders.GetOrdersAsync(), 500, demo);
        await AssertListingAsync(partner.Orders.GetOrdersAsync(), 173, demo);

        // Filters combine with AND; enum values are lower snake case, as the API writes them.
        await AssertListingAsync(partner.Orders.GetOrdersAsync(new OrderListFilter(Status: "in_progress", Kind: "transfer")), 11,
            demo.Where(r => r.Status == "InProgress" && r.Kind == "Transfer").ToList());
        await AssertListingAsync(partner.Orders.GetOrdersAsync(new OrderListFilter(Symbol: "NVDAx", Chain: "solana")), 37,
            demo.Where(r => r.Symbol == "NVDAx" && r.Chain == "solana").ToList());
        var from = Start.AddSeconds(40);
        var before = Start.AddSeconds(95);
        await AssertListingAsync(partner.Orders.GetOrdersAsync(new OrderListFilter(CreatedFrom: from, CreatedBefore: before, Status: "settled")), 3,
            demo.Where(r => r.CreatedAt >= from && r.CreatedAt < before && r.Status == "Settled").ToList());

        // An operator sees every partner, or one.
        var admin = Admin();
        await AssertListingAsync(admin.GetOrdersAsync(Other), 64, _rows.Where(r => r.Account == Other).ToList());
        await AssertListingAsync(admin.GetOrdersAsync(filter: new OrderListFilter(Kind: "redeem")), 500, _rows.Where(r => r.Kind == "Redeem").ToList());
    }

    [Fact]
    public async Task Orders_added_while_paging_neither_repeat_nor_push_older_orders_out()
    {
        var partner = Partner();
        var seen = new List<string>();
        var newer = Enumerable.Range(5000, 40).Select(i =>
            new Row(OrderId(i), "Mint", "Accepted", Demo, "TSLAx", "ethereum", DateTimeOffset.UtcNow, null)).ToList();
        try
        {
            await foreach (var page in partner.Orders.GetOrdersAsync(new OrderListFilter(Symbol: "TSLAx")).AsPages(pageSizeHint: 60))
            {
                if (seen.Count == 0)
                {
                    // Newer orders arrive after the first page: they sort before it, so later pages neither repeat nor skip for them.
                    await InsertAsync(newer);
                }
                seen.AddRange(page.Values.Select(o => o.OrderId));
            }
        }
        finally
        {
            await DeleteAsync(newer.Select(r => r.OrderId).ToArray());
        }
        var expected = _rows.Where(r => r.Account == Demo && r.Symbol == "TSLAx")
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.OrderId, StringComparer.Ordinal).Select(r => r.OrderId);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task A_client_reference_finds_its_order_and_is_echoed_in_the_listing()
    {
        var partner = Partner();
        var target = _rows.First(r => r.Account == Demo && r.Reference == "ref-900");
        var found = await partner.Orders.GetOrdersAsync(new OrderListFilter(ClientReference: "ref-900")).ToListAsync();
        var only = Assert.Single(found);
        Assert.Equal(target.OrderId, only.OrderId);
        Assert.Equal("ref-900", only.ClientReference);
        // Another partner's reference finds nothing for this partner.
        var otherReference = _rows.First(r => r.Account == Other && r.Reference is not null).Reference;
        Assert.Empty(await partner.Orders.GetOrdersAsync(new OrderListFilter(ClientReference: otherReference)).ToListAsync());
    }

    [Fact]
    public async Task A_bad_cursor_or_filter_is_refused_with_a_stable_code()
    {
        var cases = new (string Query, string Code)[]
        {
            ("cursor=not-a-cursor!", "cursor_invalid"),
            ("cursor=" + Base64Url("x1|1700000000000000|ord_0123456789abcdef0123456789"), "cursor_invalid"),
            ("cursor=" + Base64Url("o1|-5|ord_0123456789abcdef0123456789"), "cursor_invalid"),
            ("cursor=" + Base64Url("o1|1700000000000000|'; DROP TABLE order_index; --"), "cursor_invalid"),
            ("status=bogus", "status_invalid"),
            ("kind=swap", "kind_invalid"),
            ("sttus=settled", "filter_unknown"),
            ("status=settled&status=failed", "filter_unknown"),
            ("created_from=yesterday", "filter_invalid"),
            ("created_from=2026-03-02T14:30:00", "filter_invalid"),
            ("created_from=2026-03-03T00:00:00Z&created_before=2026-03-02T00:00:00Z", "filter_invalid"),
            ("symbol=%00", "filter_invalid"),
            ("chain=Ethereum", "filter_invalid"),
            ("client_reference=has%20space", "client_reference_invalid"),
            ("limit=0", "limit_invalid"),
            ("limit=501", "limit_invalid"),
            ("limit=ten", "limit_invalid"),
        };
        foreach (var (query, code) in cases)
        {
            using var response = await api.Http.SendAsync(ApiSilo.Signed(HttpMethod.Get, "/v1/orders?" + query, null, ApiSilo.DemoKeyId, api.DemoSecret));
            await Problems.AssertAsync(response, HttpStatusCode.BadRequest, code);
        }
        using (var admin = await api.Http.SendAsync(ApiSilo.Signed(HttpMethod.Get, "/admin/v1/orders?account=partner-other&sttus=x", null, ApiSilo.AdminKeyId, api.AdminSecret)))
        {
            await Problems.AssertAsync(admin, HttpStatusCode.BadRequest, "filter_unknown");
        }

        // The SDK surfaces the code; a cursor from a page resumes exactly after it.
        var error = await Assert.ThrowsAsync<SharemintApiException>(async () =>
            await Partner().Orders.GetOrdersAsync().AsPages("garbage").ToListAsync());
        Assert.Equal("cursor_invalid", error.Code);
        var pages = Partner().Orders.GetOrdersAsync().AsPages(pageSizeHint: 5);
        var first = await pages.FirstAsync();
        Assert.True(first.RawResponse.Status == 200 && first.Values.Count == 5 && first.ContinuationToken is not null);
        var resumed = await Partner().Orders.GetOrdersAsync().AsPages(first.ContinuationToken, 5).FirstAsync();
        var demo = _rows.Where(r => r.Account == Demo).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.OrderId, StringComparer.Ordinal).ToList();
        Assert.Equal(demo.Skip(5).Take(5).Select(r => r.OrderId), resumed.Values.Select(o => o.OrderId));
    }

    private static async Task AssertListingAsync(AsyncPageable<OrderSummary> listing, int pageSize, List<Row> expected)
    {
        Assert.NotEmpty(expected);
        var ids = new List<string>();
        var pageCount = 0;
        await foreach (var page in listing.AsPages(pageSizeHint: pageSize))
        {
            pageCount++;
            Assert.True(page.Values.Count <= pageSize, $"page of {page.Values.Count} > {pageSize}");
            Assert.Equal(page.ContinuationToken is null, pageCount == (expected.Count + pageSize - 1) / pageSize);
            ids.AddRange(page.Values.Select(o => o.OrderId));
        }
        // Each exactly once, newest first, ties broken by order id (descending).
        var order = expected.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.OrderId, StringComparer.Ordinal).Select(r => r.OrderId);
        Assert.Equal(order, ids);
        Assert.Equal((expected.Count + pageSize - 1) / pageSize, pageCount);
    }

    private SharemintClient Partner() =>
        new(api.Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = ApiSilo.DemoKeyId, Secret = api.DemoSecret, MaxRetries = 8 });

    private SharemintAdminClient Admin() =>
        new(api.Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = ApiSilo.AdminKeyId, Secret = api.AdminSecret, MaxRetries = 8 });

    private static string OrderId(int i) => "ord_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))[..26];

    private static string Base64Url(string text) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private async Task<long> CountAsync()
    {
        await using var data = NpgsqlDataSource.Create(api.ConnectionString);
        await using var command = data.CreateCommand("SELECT count(*) FROM order_index");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<Row>> ReadRowsAsync()
    {
        await using var data = NpgsqlDataSource.Create(api.ConnectionString);
        await using var command = data.CreateCommand("""
            SELECT i.order_id, kind, status, i.account_id, symbol, chain, i.created_at, r.client_reference
              FROM order_index i LEFT JOIN order_client_references r ON r.order_id = i.order_id
             WHERE i.created_at < '2026-03-03'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rows;
    }

    private async Task DeleteAsync(string[] orderIds)
    {
        await using var data = NpgsqlDataSource.Create(api.ConnectionString);
        await using var command = data.CreateCommand("DELETE FROM order_index WHERE order_id = ANY($1)");
        command.Parameters.AddWithValue(orderIds);
        await command.ExecuteNonQueryAsync();
    }

    private async Task InsertAsync(IReadOnlyList<Row> rows)
    {
        await using var data = NpgsqlDataSource.Create(api.ConnectionString);
        await using var command = data.CreateCommand("""
            WITH rows AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
                    AS r(id, kind, status, account, symbol, chain, at, reference)),
            refs AS (
                INSERT INTO order_client_references (account_id, client_reference, order_id)
                SELECT account, reference, id FROM rows WHERE reference IS NOT NULL)
            INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version)
            SELECT id, kind, status, account, symbol, chain, 100000000, at, at, 1 FROM rows
            """);
        command.Parameters.AddWithValue(rows.Select(r => r.OrderId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Kind).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Status).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Account).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Symbol).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Chain).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.CreatedAt).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Reference).ToArray());
        await command.ExecuteNonQueryAsync();
    }
}
