using Microsoft.Extensions.Logging;
using Npgsql;
using Sharemint.Errors;

namespace Sharemint.Market;

/// <summary>
/// A paper broker and custodian on PostgreSQL: fills at <see cref="IMarketData"/>'s last price during market hours
/// (per <see cref="IMarketCalendar"/> at <see cref="TimeProvider"/> time), cash = shares × price rounded half-even to
/// cents. A buy is one row, its fill; the fill id's primary key makes an order exactly-once, also under concurrent calls
/// with the same id. A position is the folded total in <c>broker_positions</c> plus the buy fills not yet folded into it:
/// a sale folds them first (so it checks what is really held), as do a split and a read of positions (the reconciliation's,
/// every few minutes), so a position row is written once per batch of buys. A refused order changes nothing.
/// </summary>
public sealed class PaperBroker(
    NpgsqlDataSource dataSource, IMarketData marketData, IMarketCalendar calendar, TimeProvider time, ILogger<PaperBroker> logger)
    : IBroker
{
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
        // open a replay is found by the insert's conflict below, so a new fill (the common case) costs no lookup first.
        var now = time.GetUtcNow();
        if (!calendar.IsOpen(now))
        {
            if (await FindFillAsync(id, cancellationToken) is { } earlier)
            {
                return SameOrder(earlier, canonical, side, quantity);
            }
            throw new LedgerException(LedgerError.MarketClosed, $"The market is closed; it opens next at {calendar.NextOpen(now):O}.");
        }
        var price = (await marketData.GetLastPriceAsync(canonical, cancellationToken)).Price;
        // PostgreSQL keeps microseconds; truncating here makes the returned fill equal the stored one.
        var fill = new BrokerFill(id, canonical, side, quantity, price, MarketValidation.Cash(quantity, price), now.AddTicks(-(now.Ticks % 10)));

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (side == BrokerSide.Buy)
        {
            // One statement, one row: the position follows when the fill is folded in. A concurrent order with the same
            // id blocks on the insert until the other commits (then inserts nothing) or rolls back.
            await using var buy = InsertFill(fill, connection, null);
            if (await buy.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                var winner = await FindFillAsync(id, cancellationToken)
                    ?? throw new InvalidOperationException($"Fill '{id}' conflicted on insert but cannot be read back.");
                return SameOrder(winner, canonical, side, quantity);
            }
            logger.LogInformation("Paper fill {FillId}: {Side} {Shares} {Ticker} at {Price} = {Cash} USD", id, side, quantity, canonical, price, fill.Cash);
            return fill;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Every buy committed so far counts before the sale is checked against the position.
        await FoldAsync(connection, transaction, canonical, cancellationToken);
        await using (var insert = InsertFill(fill, connection, transaction))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                var winner = await FindFillAsync(id, cancellationToken)
                    ?? throw new InvalidOperationException($"Fill '{id}' conflicted on insert but cannot be read back.");
                return SameOrder(winner, canonical, side, quantity);
            }
        }

        // Sale: the row lock and the re-checked condition serialise concurrent sales, so two can never oversell together.
        await using (var move = new NpgsqlCommand(
            "UPDATE broker_positions SET shares = shares - $2, updated_at = $3 WHERE ticker = $1 AND shares >= $2", connection, transaction))
        {
            move.Parameters.AddWithValue(canonical);
            move.Parameters.AddWithValue(quantity);
            move.Parameters.AddWithValue(fill.FilledAt);
            if (await move.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                var held = (await GetPositionAsync(canonical, cancellationToken)).Shares;
                throw new LedgerException(LedgerError.InsufficientBacking, $"Cannot sell {quantity} {canonical}: {held} held.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Paper fill {FillId}: {Side} {Shares} {Ticker} at {Price} = {Cash} USD", id, side, quantity, canonical, price, fill.Cash);
        return fill;
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
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
        insert.Parameters.AddWithValue(time.GetUtcNow());
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return await GetPositionAsync(canonical, cancellationToken);
        }
        await using var move = new NpgsqlCommand("UPDATE broker_positions SET shares = $2, updated_at = $3 WHERE ticker = $1", connection, transaction);
        move.Parameters.AddWithValue(canonical);
        move.Parameters.AddWithValue(after);
        move.Parameters.AddWithValue(time.GetUtcNow());
        await move.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Paper split {SplitId}: {Ticker} {Before} -> {After} shares ({New} for {Old})", id, canonical, before, after, newShares, oldShares);
        return new BrokerPosition(canonical, after);
    }

    /// <inheritdoc />
    public async Task<BrokerFill?> FindFillAsync(string fillId, CancellationToken cancellationToken = default)
    {
        var id = MarketValidation.FillId(fillId);
        await using var command = dataSource.CreateCommand(
            "SELECT fill_id, ticker, side, shares, price, cash, filled_at FROM broker_fills WHERE fill_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new BrokerFill(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2) == "buy" ? BrokerSide.Buy : BrokerSide.Sell,
            MarketValidation.Normalize(reader.GetDecimal(3)),
            MarketValidation.Normalize(reader.GetDecimal(4)),
            MarketValidation.Normalize(reader.GetDecimal(5)),
            reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <inheritdoc />
    public async Task<BrokerPosition> GetPositionAsync(string ticker, CancellationToken cancellationToken = default)
    {
        var canonical = MarketValidation.Ticker(ticker);
        // The reconciliation reads each position every few minutes: it folds that ticker's buys since the last fold into
        // the position first, so the position row is written once per batch of buys rather than once per buy.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await FoldAsync(connection, transaction, null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand("""
            SELECT ticker, sum(shares) FROM (
                SELECT ticker, shares FROM broker_positions
                UNION ALL SELECT ticker, shares FROM broker_fills WHERE side = 'buy' AND NOT folded) held
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
    /// Moves the buy fills not yet folded (of one ticker, or all) into their positions, in the caller's transaction. Safe
    /// beside a concurrent fold: each fill row is marked once (a second fold waits on its row lock, then skips it), and
    /// a fold that rolls back leaves its fills for the next one.
    /// </summary>
    private static async Task FoldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? ticker, CancellationToken cancellationToken)
    {
        await using var fold = new NpgsqlCommand("""
            WITH folded AS (
                UPDATE broker_fills SET folded = true
                WHERE side = 'buy' AND NOT folded AND ($1::text IS NULL OR ticker = $1)
                RETURNING ticker, shares, filled_at)
            INSERT INTO broker_positions (ticker, shares, updated_at)
            SELECT ticker, sum(shares), max(filled_at) FROM folded GROUP BY ticker
            ON CONFLICT (ticker) DO UPDATE SET shares = broker_positions.shares + excluded.shares,
                updated_at = greatest(broker_positions.updated_at, excluded.updated_at)
            """, connection, transaction);
        fold.Parameters.Add(new NpgsqlParameter { Value = (object?)ticker ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await fold.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlCommand InsertFill(BrokerFill fill, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        // A sale is counted in its position in its own transaction, so only a buy is left to fold.
        var insert = new NpgsqlCommand("""
            INSERT INTO broker_fills (fill_id, ticker, side, shares, price, cash, filled_at, folded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (fill_id) DO NOTHING
            """, connection, transaction);
        insert.Parameters.AddWithValue(fill.FillId);
        insert.Parameters.AddWithValue(fill.Ticker);
        insert.Parameters.AddWithValue(SideName(fill.Side));
        insert.Parameters.AddWithValue(fill.Shares);
        insert.Parameters.AddWithValue(fill.Price);
        insert.Parameters.AddWithValue(fill.Cash);
        insert.Parameters.AddWithValue(fill.FilledAt);
        insert.Parameters.AddWithValue(fill.Side == BrokerSide.Sell);
        return insert;
    }

    private static string SideName(BrokerSide side) => side == BrokerSide.Buy ? "buy" : "sell";

    private static BrokerFill SameOrder(BrokerFill stored, string ticker, BrokerSide side, decimal shares) =>
        stored.Ticker == ticker && stored.Side == side && stored.Shares == shares
            ? stored
            : throw new LedgerException(LedgerError.IdempotencyConflict,
                $"Fill '{stored.FillId}' was already used for {SideName(stored.Side)} {stored.Shares} {stored.Ticker}; refusing {SideName(side)} {shares} {ticker}.");
}
