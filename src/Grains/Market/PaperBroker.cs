using Microsoft.Extensions.Logging;
using Npgsql;
using Sharemint.Errors;

namespace Sharemint.Market;

/// <summary>
/// A paper broker and custodian on PostgreSQL: fills at <see cref="IMarketData"/>'s last price during market hours
/// (per <see cref="IMarketCalendar"/> at <see cref="TimeProvider"/> time), cash = shares × price rounded half-even to
/// cents. Each order inserts its fill and moves its position in one transaction; the fill id's primary key makes the
/// order exactly-once, also under concurrent calls with the same id. A refused order changes nothing.
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
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // A concurrent order with the same id blocks here until the other commits (then inserts nothing) or rolls back.
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO broker_fills (fill_id, ticker, side, shares, price, cash, filled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (fill_id) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(fill.FillId);
            insert.Parameters.AddWithValue(fill.Ticker);
            insert.Parameters.AddWithValue(SideName(fill.Side));
            insert.Parameters.AddWithValue(fill.Shares);
            insert.Parameters.AddWithValue(fill.Price);
            insert.Parameters.AddWithValue(fill.Cash);
            insert.Parameters.AddWithValue(fill.FilledAt);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                var winner = await FindFillAsync(id, cancellationToken)
                    ?? throw new InvalidOperationException($"Fill '{id}' conflicted on insert but cannot be read back.");
                return SameOrder(winner, canonical, side, quantity);
            }
        }

        // Sale: the row lock and the re-checked condition serialise concurrent sales, so two can never oversell together.
        await using (var move = new NpgsqlCommand(side == BrokerSide.Buy
            ? """
              INSERT INTO broker_positions (ticker, shares, updated_at) VALUES ($1, $2, $3)
              ON CONFLICT (ticker) DO UPDATE SET shares = broker_positions.shares + excluded.shares, updated_at = excluded.updated_at
              """
            : "UPDATE broker_positions SET shares = shares - $2, updated_at = $3 WHERE ticker = $1 AND shares >= $2",
            connection, transaction))
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
        await using var command = dataSource.CreateCommand("SELECT shares FROM broker_positions WHERE ticker = $1");
        command.Parameters.AddWithValue(canonical);
        var shares = await command.ExecuteScalarAsync(cancellationToken) is decimal held ? held : 0m;
        return new BrokerPosition(canonical, MarketValidation.Normalize(shares));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BrokerPosition>> GetPositionsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT ticker, shares FROM broker_positions WHERE shares <> 0 ORDER BY ticker");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var positions = new List<BrokerPosition>();
        while (await reader.ReadAsync(cancellationToken))
        {
            positions.Add(new BrokerPosition(reader.GetString(0), MarketValidation.Normalize(reader.GetDecimal(1))));
        }
        return positions;
    }

    private static string SideName(BrokerSide side) => side == BrokerSide.Buy ? "buy" : "sell";

    private static BrokerFill SameOrder(BrokerFill stored, string ticker, BrokerSide side, decimal shares) =>
        stored.Ticker == ticker && stored.Side == side && stored.Shares == shares
            ? stored
            : throw new LedgerException(LedgerError.IdempotencyConflict,
                $"Fill '{stored.FillId}' was already used for {SideName(stored.Side)} {stored.Shares} {stored.Ticker}; refusing {SideName(side)} {shares} {ticker}.");
}
