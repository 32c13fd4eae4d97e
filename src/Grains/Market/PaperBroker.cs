using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Sharemint.Batching;
using Sharemint.Errors;

namespace Sharemint.Market;

/// <summary>
/// A paper broker and custodian on PostgreSQL: fills at <see cref="IMarketData"/>'s last price during market hours
/// (per <see cref="IMarketCalendar"/> at <see cref="TimeProvider"/> time), cash = shares × price rounded half-even to
/// cents per fill. Buys that arrive together are aggregated as a real issuer does: one statement for the batch and one
/// <c>broker_buy_batches</c> row per ticker (one price and time, each fill id's shares in its allocation). A sale is one
/// <c>broker_fills</c> row. Each fill id is filled exactly once across both tables, also under concurrent calls from
/// several silos: a writer takes a transaction-scoped advisory lock per fill id before it looks the ids up, and a replay
/// returns the first fill wherever it is stored. A position is the folded total in <c>broker_positions</c> plus the buys
/// not yet folded into it: a sale folds them first (so it checks what is really held), as do a split and a read of
/// positions (the reconciliation's, every few minutes). A refused order changes nothing.
/// </summary>
public sealed class PaperBroker : IBroker
{
    // The two-key advisory lock space (apart from the one-key locks elsewhere): this class, hashtext(fill id).
    private const int FillIdLockClass = 0x42_52_4B_46; // "BRKF"

    private const string LookupSql = """
        SELECT fill_id, ticker, side, shares, price, cash, filled_at FROM broker_fills WHERE fill_id = ANY($1)
        UNION ALL
        SELECT a.key, b.ticker, 'buy', a.value::numeric, b.price, NULL, b.filled_at
        FROM broker_buy_batches b CROSS JOIN LATERAL jsonb_each_text(b.allocations) a
        WHERE b.allocations ?| $1 AND a.key = ANY($1)
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly IMarketData _marketData;
    private readonly IMarketCalendar _calendar;
    private readonly TimeProvider _time;
    private readonly ILogger<PaperBroker> _logger;
    private readonly GroupCommit<BuyRequest, BuyOutcome> _buys;

    public PaperBroker(NpgsqlDataSource dataSource, IMarketData marketData, IMarketCalendar calendar, TimeProvider time, ILogger<PaperBroker> logger)
    {
        _dataSource = dataSource;
        _marketData = marketData;
        _calendar = calendar;
        _time = time;
        _logger = logger;
        // One flush at a time per process: buys that arrive while it runs ride together in the next, one row per ticker.
        _buys = new GroupCommit<BuyRequest, BuyOutcome>(FillBuysAsync, maxBatch: 256, maxInFlight: 1, name: "broker_buys");
    }

    /// <summary>Flushes so far and buys they carried (buys ÷ flushes is the aggregation achieved).</summary>
    public (long Flushes, long Items) BuyBatches => _buys.Counts;

    /// <inheritdoc />
    public async Task<BrokerFill> ExecuteAsync(string fillId, string ticker, BrokerSide side, decimal shares, CancellationToken cancellationToken = default)
    {
        var id = MarketValidation.FillId(fillId);
        var canonical = MarketValidation.Ticker(ticker);
        if (side is not (BrokerSide.Buy or BrokerSide.Sell))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Broker side {(int)side} is neither buy nor sell.");
        }
        var quantity = MarketValidation.Shares(shares);

        // A replay returns the first fill whatever the market does now: the order already happened. While the market is
        // open a replay is found by the writer's lookup under the fill id's lock, so a new fill costs no lookup first.
        var now = _time.GetUtcNow();
        if (!_calendar.IsOpen(now))
        {
            if (await FindFillAsync(id, cancellationToken) is { } earlier)
            {
                return SameOrder(earlier, canonical, side, quantity);
            }
            throw new LedgerException(LedgerError.MarketClosed, $"The market is closed; it opens next at {_calendar.NextOpen(now):O}.");
        }
        if (side == BrokerSide.Buy)
        {
            // The caller may stop waiting (its reply is then lost); the batch carrying its buy still commits or fails whole.
            cancellationToken.ThrowIfCancellationRequested();
            var outcome = await _buys.WriteAsync(new BuyRequest(id, canonical, quantity)).WaitAsync(cancellationToken);
            return outcome.Fill ?? throw outcome.Error!;
        }
        return await SellAsync(id, canonical, quantity, cancellationToken);
    }

    private async Task<BrokerFill> SellAsync(string id, string ticker, decimal quantity, CancellationToken cancellationToken)
    {
        var price = (await _marketData.GetLastPriceAsync(ticker, cancellationToken)).Price;
        var now = _time.GetUtcNow();
        // PostgreSQL keeps microseconds; truncating here makes the returned fill equal the stored one.
        var fill = new BrokerFill(id, ticker, BrokerSide.Sell, quantity, price, MarketValidation.Cash(quantity, price), Microseconds(now));

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The fill id's lock first, then the look-up: a buy batch holding the same id has committed or rolled back by now.
        await LockFillIdsAsync(connection, transaction, [id], cancellationToken);
        if ((await LookUpAsync(connection, transaction, [id], cancellationToken)).TryGetValue(id, out var earlier))
        {
            await transaction.RollbackAsync(cancellationToken);
            return SameOrder(earlier, ticker, BrokerSide.Sell, quantity);
        }
        // Every buy committed so far counts before the sale is checked against the position.
        await FoldAsync(connection, transaction, ticker, cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO broker_fills (fill_id, ticker, side, shares, price, cash, filled_at, folded) VALUES ($1, $2, 'sell', $3, $4, $5, $6, true)
            """, connection, transaction))
        {
            // A sale is counted in its position in its own transaction, so it starts folded.
            insert.Parameters.AddWithValue(fill.FillId);
            insert.Parameters.AddWithValue(fill.Ticker);
            insert.Parameters.AddWithValue(fill.Shares);
            insert.Parameters.AddWithValue(fill.Price);
            insert.Parameters.AddWithValue(fill.Cash);
            insert.Parameters.AddWithValue(fill.FilledAt);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // The row lock and the re-checked condition serialise concurrent sales, so two can never oversell together.
        await using (var move = new NpgsqlCommand(
            "UPDATE broker_positions SET shares = shares - $2, updated_at = $3 WHERE ticker = $1 AND shares >= $2", connection, transaction))
        {
            move.Parameters.AddWithValue(ticker);
            move.Parameters.AddWithValue(quantity);
            move.Parameters.AddWithValue(fill.FilledAt);
            if (await move.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                var held = (await GetPositionAsync(ticker, cancellationToken)).Shares;
                throw new LedgerException(LedgerError.InsufficientBacking, $"Cannot sell {quantity} {ticker}: {held} held.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
        _logger.LogInformation("Paper fill {FillId}: sell {Shares} {Ticker} at {Price} = {Cash} USD", id, quantity, ticker, price, fill.Cash);
        return fill;
    }

    /// <summary>
    /// Fills a batch of buys in one transaction: locks their fill ids, looks them up (a replay answers with its first
    /// fill), and writes the new ones as one row per ticker at one price and one time. Each caller's outcome is its own
    /// (a fill or its refusal); a failure of the transaction fails every caller of the batch and stores nothing.
    /// </summary>
    private async Task<IReadOnlyList<BuyOutcome>> FillBuysAsync(IReadOnlyList<BuyRequest> requests)
    {
        // The flush's own clock: the market may have closed since a caller checked it.
        var now = _time.GetUtcNow();
        var filledAt = Microseconds(now);
        var open = _calendar.IsOpen(now);

        // Prices before the transaction, so fill-id locks are held for a few statements only. A ticker without a price
        // refuses its new buys; its replays still answer.
        var prices = new Dictionary<string, (decimal Price, LedgerException? Refusal)>(StringComparer.Ordinal);
        if (open)
        {
            foreach (var ticker in requests.Select(r => r.Ticker).Distinct(StringComparer.Ordinal))
            {
                try
                {
                    prices[ticker] = ((await _marketData.GetLastPriceAsync(ticker)).Price, null);
                }
                catch (LedgerException refusal)
                {
                    prices[ticker] = (0m, refusal);
                }
            }
        }

        var ids = requests.Select(r => r.FillId).Distinct(StringComparer.Ordinal).ToArray();
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await LockFillIdsAsync(connection, transaction, ids, CancellationToken.None);
        var filled = await LookUpAsync(connection, transaction, ids, CancellationToken.None);

        var outcomes = new BuyOutcome[requests.Count];
        var batches = new Dictionary<string, List<BrokerFill>>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            var (id, ticker, shares) = requests[i];
            if (filled.TryGetValue(id, out var earlier))
            {
                // Stored before, or by an earlier caller of this batch under the same id.
                outcomes[i] = Mismatch(earlier, ticker, BrokerSide.Buy, shares) is { } conflict
                    ? new BuyOutcome(null, conflict)
                    : new BuyOutcome(earlier, null);
            }
            else if (!open)
            {
                outcomes[i] = new BuyOutcome(null, new LedgerException(LedgerError.MarketClosed,
                    $"The market is closed; it opens next at {_calendar.NextOpen(now):O}."));
            }
            else if (prices[ticker] is { Refusal: { } refusal })
            {
                // A fresh exception per caller: each one throws its own.
                outcomes[i] = new BuyOutcome(null, new LedgerException(refusal.Error, refusal.Message));
            }
            else
            {
                var price = prices[ticker].Price;
                var fill = new BrokerFill(id, ticker, BrokerSide.Buy, shares, price, MarketValidation.Cash(shares, price), filledAt);
                filled[id] = fill;
                if (!batches.TryGetValue(ticker, out var batch))
                {
                    batches[ticker] = batch = [];
                }
                batch.Add(fill);
                outcomes[i] = new BuyOutcome(fill, null);
            }
        }

        if (batches.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO broker_buy_batches (ticker, shares, price, filled_at, allocations)
                SELECT ticker, shares, price, $4, allocations FROM unnest($1::text[], $2::numeric[], $3::numeric[], $5::jsonb[])
                    AS b (ticker, shares, price, allocations)
                """, connection, transaction);
            var rows = batches.ToList();
            insert.Parameters.AddWithValue(rows.Select(r => r.Key).ToArray());
            insert.Parameters.AddWithValue(rows.Select(r => r.Value.Sum(f => f.Shares)).ToArray());
            insert.Parameters.AddWithValue(rows.Select(r => r.Value[0].Price).ToArray());
            insert.Parameters.AddWithValue(filledAt);
            insert.Parameters.Add(new NpgsqlParameter
            {
                Value = rows.Select(r => Allocations(r.Value)).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            });
            await insert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();

        if (batches.Count > 0)
        {
            var summary = string.Join("; ", batches.Select(b =>
                string.Create(CultureInfo.InvariantCulture, $"{b.Key} {b.Value.Count} fills {b.Value.Sum(f => f.Shares)} shares at {b.Value[0].Price}")));
            _logger.LogInformation("Paper buy batch at {FilledAt}: {Fills} fills in {Tickers} tickers: {Summary}",
                filledAt, batches.Sum(b => b.Value.Count), batches.Count, summary);
        }
        return outcomes;
    }

    /// <summary>Each fill id → its shares, as a jsonb object (numbers keep every decimal).</summary>
    private static string Allocations(List<BrokerFill> fills)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var fill in fills)
            {
                json.WriteNumber(fill.FillId, fill.Shares);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Takes the transaction-scoped advisory lock of each fill id, in key order so that two writers never deadlock. A
    /// writer holds them until it commits or rolls back, so a look-up after them sees every earlier writer's outcome.
    /// </summary>
    private static async Task LockFillIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(pg_advisory_xact_lock($2, key)) FROM (SELECT DISTINCT hashtext(id) AS key FROM unnest($1::text[]) id ORDER BY 1) keys
            """, connection, transaction);
        command.Parameters.AddWithValue(ids);
        command.Parameters.AddWithValue(FillIdLockClass);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>The stored fills among <paramref name="ids"/>, per-fill rows and batch allocations alike.</summary>
    private static async Task<Dictionary<string, BrokerFill>> LookUpAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(LookupSql, connection, transaction);
        command.Parameters.AddWithValue(ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new Dictionary<string, BrokerFill>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var shares = MarketValidation.Normalize(reader.GetDecimal(3));
            var price = MarketValidation.Normalize(reader.GetDecimal(4));
            found[reader.GetString(0)] = new BrokerFill(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2) == "buy" ? BrokerSide.Buy : BrokerSide.Sell,
                shares,
                price,
                // A batch stores no cash: it is derived per fill exactly as when the fill was made.
                reader.IsDBNull(5) ? MarketValidation.Cash(shares, price) : MarketValidation.Normalize(reader.GetDecimal(5)),
                reader.GetFieldValue<DateTimeOffset>(6));
        }
        return found;
    }

    /// <inheritdoc />
    public async Task<BrokerPosition> ApplySplitAsync(string splitId, string ticker, long newShares, long oldShares, CancellationToken cancellationToken = default)
    {
        var id = MarketValidation.FillId(splitId);
        var canonical = MarketValidation.Ticker(ticker);
        if (newShares <= 0 || oldShares <= 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"A split needs positive share counts (got {newShares} for {oldShares}).");
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Buys not yet folded are shares held before the split: fold them first, so the split applies to them too.
        await FoldAsync(connection, transaction, canonical, cancellationToken);
        // The row lock orders this split after any fill in flight on the same ticker.
        await using var read = new NpgsqlCommand("SELECT shares FROM broker_positions WHERE ticker = $1 FOR UPDATE", connection, transaction);
        read.Parameters.AddWithValue(canonical);
        var before = await read.ExecuteScalarAsync(cancellationToken) is decimal held ? held : 0m;
        var after = Math.Floor(before * newShares / oldShares * 1_000_000_000m) / 1_000_000_000m;
        await using var insert = new NpgsqlCommand("""
            INSERT INTO broker_splits (split_id, ticker, new_shares, old_shares, shares_before, shares_after, applied_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (split_id) DO NOTHING
            """, connection, transaction);
        insert.Parameters.AddWithValue(id);
        insert.Parameters.AddWithValue(canonical);
        insert.Parameters.AddWithValue(newShares);
        insert.Parameters.AddWithValue(oldShares);
        insert.Parameters.AddWithValue(before);
        insert.Parameters.AddWithValue(after);
        insert.Parameters.AddWithValue(_time.GetUtcNow());
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return await GetPositionAsync(canonical, cancellationToken);
        }
        await using var move = new NpgsqlCommand("UPDATE broker_positions SET shares = $2, updated_at = $3 WHERE ticker = $1", connection, transaction);
        move.Parameters.AddWithValue(canonical);
        move.Parameters.AddWithValue(after);
        move.Parameters.AddWithValue(_time.GetUtcNow());
        await move.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _logger.LogInformation("Paper split {SplitId}: {Ticker} {Before} -> {After} shares ({New} for {Old})", id, canonical, before, after, newShares, oldShares);
        return new BrokerPosition(canonical, after);
    }

    /// <inheritdoc />
    public async Task<BrokerFill?> FindFillAsync(string fillId, CancellationToken cancellationToken = default)
    {
        var id = MarketValidation.FillId(fillId);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return (await LookUpAsync(connection, null, [id], cancellationToken)).GetValueOrDefault(id);
    }

    /// <inheritdoc />
    public async Task<BrokerPosition> GetPositionAsync(string ticker, CancellationToken cancellationToken = default)
    {
        var canonical = MarketValidation.Ticker(ticker);
        // The reconciliation reads each position every few minutes: it folds that ticker's buys since the last fold into
        // the position first, so the position row is written once per batch of buys rather than once per buy.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await FoldAsync(connection, transaction, canonical, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        // One statement, one snapshot (a fold moves shares from the fills to the position atomically): buys committed
        // since the fold count too.
        await using var command = new NpgsqlCommand("""
            SELECT coalesce((SELECT shares FROM broker_positions WHERE ticker = $1), 0)
                 + coalesce((SELECT sum(shares) FROM broker_fills WHERE ticker = $1 AND side = 'buy' AND NOT folded), 0)
                 + coalesce((SELECT sum(shares) FROM broker_buy_batches WHERE ticker = $1 AND NOT folded), 0)
            """, connection);
        command.Parameters.AddWithValue(canonical);
        var shares = await command.ExecuteScalarAsync(cancellationToken) is decimal held ? held : 0m;
        return new BrokerPosition(canonical, MarketValidation.Normalize(shares));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BrokerPosition>> GetPositionsAsync(CancellationToken cancellationToken = default)
    {
        // The reconciliation's read, every few minutes: it folds the buys since the last fold into their positions first,
        // so a position is written once per batch of buys rather than once per buy.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await FoldAsync(connection, transaction, null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand("""
            SELECT ticker, sum(shares) FROM (
                SELECT ticker, shares FROM broker_positions
                UNION ALL SELECT ticker, shares FROM broker_fills WHERE side = 'buy' AND NOT folded
                UNION ALL SELECT ticker, shares FROM broker_buy_batches WHERE NOT folded) held
            GROUP BY ticker HAVING sum(shares) <> 0 ORDER BY ticker
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var positions = new List<BrokerPosition>();
        while (await reader.ReadAsync(cancellationToken))
        {
            positions.Add(new BrokerPosition(reader.GetString(0), MarketValidation.Normalize(reader.GetDecimal(1))));
        }
        return positions;
    }

    /// <summary>
    /// Moves the buys not yet folded (per-fill rows and batch rows, of one ticker or all) into their positions, in the
    /// caller's transaction. Safe beside a concurrent fold: each row is marked once (a second fold waits on its row lock,
    /// then skips it), and a fold that rolls back leaves its buys for the next one.
    /// </summary>
    private static async Task FoldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? ticker, CancellationToken cancellationToken)
    {
        await using var fold = new NpgsqlCommand("""
            WITH fills AS (
                UPDATE broker_fills SET folded = true
                WHERE side = 'buy' AND NOT folded AND ($1::text IS NULL OR ticker = $1)
                RETURNING ticker, shares, filled_at),
            batches AS (
                UPDATE broker_buy_batches SET folded = true
                WHERE NOT folded AND ($1::text IS NULL OR ticker = $1)
                RETURNING ticker, shares, filled_at),
            folded AS (SELECT * FROM fills UNION ALL SELECT * FROM batches)
            INSERT INTO broker_positions (ticker, shares, updated_at)
            SELECT ticker, sum(shares), max(filled_at) FROM folded GROUP BY ticker
            ON CONFLICT (ticker) DO UPDATE SET shares = broker_positions.shares + excluded.shares,
                updated_at = greatest(broker_positions.updated_at, excluded.updated_at)
            """, connection, transaction);
        fold.Parameters.Add(new NpgsqlParameter { Value = (object?)ticker ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await fold.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DateTimeOffset Microseconds(DateTimeOffset now) => now.AddTicks(-(now.Ticks % 10));

    private static string SideName(BrokerSide side) => side == BrokerSide.Buy ? "buy" : "sell";

    private static BrokerFill SameOrder(BrokerFill stored, string ticker, BrokerSide side, decimal shares) =>
        Mismatch(stored, ticker, side, shares) is { } conflict ? throw conflict : stored;

    /// <summary>The refusal of reusing a fill id for another order, or null when it is the same order.</summary>
    private static LedgerException? Mismatch(BrokerFill stored, string ticker, BrokerSide side, decimal shares) =>
        stored.Ticker == ticker && stored.Side == side && stored.Shares == shares
            ? null
            : new LedgerException(LedgerError.IdempotencyConflict,
                $"Fill '{stored.FillId}' was already used for {SideName(stored.Side)} {stored.Shares} {stored.Ticker}; refusing {SideName(side)} {shares} {ticker}.");

    private sealed record BuyRequest(string FillId, string Ticker, decimal Shares);

    /// <summary>One caller's answer from a batch: its fill, or the refusal it throws.</summary>
    private sealed record BuyOutcome(BrokerFill? Fill, LedgerException? Error);
}
