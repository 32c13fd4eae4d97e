using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using Sharemint.Accounts;

namespace Sharemint.Silo.Storage;

/// <summary>
/// The cash journal archive in PostgreSQL: each archiving writes one row of <c>account_cash_journal_batches</c>
/// (migration 0160) holding its lines as JSON, so an account's history costs a row per batch, not per line.
/// </summary>
public sealed class PostgresCashJournalArchive(NpgsqlDataSource dataSource) : ICashJournalArchive
{
    // Property names and kinds as the statements name them; decimals keep their scale through jsonb (10.50 stays 10.50).
    private static readonly JsonSerializerOptions LineJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    public async Task ArchiveAsync(string accountId, IReadOnlyList<CashJournalEntry> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            return;
        }
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Sequence != lines[i - 1].Sequence + 1 || lines[i].At < lines[i - 1].At)
            {
                throw new ArgumentException("Journal lines are archived as one consecutive run in time order.", nameof(lines));
            }
        }
        await using var command = dataSource.CreateCommand("""
            INSERT INTO account_cash_journal_batches AS b (account_id, first_sequence, last_sequence, first_at, last_at, lines)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (account_id, first_sequence) DO UPDATE
               SET last_sequence = excluded.last_sequence, last_at = excluded.last_at, lines = excluded.lines
             WHERE excluded.last_sequence > b.last_sequence
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(lines[0].Sequence);
        command.Parameters.AddWithValue(lines[^1].Sequence);
        command.Parameters.AddWithValue(lines[0].At.ToUniversalTime());
        command.Parameters.AddWithValue(lines[^1].At.ToUniversalTime());
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(lines, LineJson), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<CashJournalEntry>> ReadAsync(string accountId, long afterSequence, long throughSequence,
        DateTimeOffset from, DateTimeOffset before, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var found = new List<CashJournalEntry>();
        var last = afterSequence;
        var done = false;
        // A page rarely spans more than a few batches; ask for a few more than it needs and go on if lines were filtered out.
        var batches = Math.Min(limit / HolderAccountGrain.JournalBatch + 2, 64);
        while (!done && last < throughSequence)
        {
            await using var command = dataSource.CreateCommand("""
                SELECT last_sequence, lines FROM account_cash_journal_batches
                 WHERE account_id = $1 AND last_sequence > $2 AND first_sequence <= $3
                   AND last_at >= coalesce($4, '-infinity'::timestamptz) AND first_at < coalesce($5, 'infinity'::timestamptz)
                 ORDER BY first_sequence
                 LIMIT $6
                """);
            command.Parameters.AddWithValue(accountId);
            command.Parameters.AddWithValue(last);
            command.Parameters.AddWithValue(throughSequence);
            // The batch bounds are stored to the microsecond: widened by one, so no batch with a matching line is missed.
            command.Parameters.Add(TimeBound(from, -10));
            command.Parameters.Add(TimeBound(before, 10));
            command.Parameters.AddWithValue(batches);
            var any = false;
            await using var reader = await command.ExecuteReaderAsync();
            while (!done && await reader.ReadAsync())
            {
                any = true;
                var batchLast = reader.GetInt64(0);
                foreach (var line in JsonSerializer.Deserialize<CashJournalEntry[]>(reader.GetString(1), LineJson) ?? [])
                {
                    if (line.Sequence <= last)
                    {
                        continue;
                    }
                    // Times never go back along the journal: past the range's end, or the sequence's, nothing later matches.
                    if (line.Sequence > throughSequence || line.At >= before)
                    {
                        done = true;
                        break;
                    }
                    last = line.Sequence;
                    if (line.At >= from)
                    {
                        found.Add(line);
                        done = found.Count == limit;
                        if (done)
                        {
                            break;
                        }
                    }
                }
                if (!done)
                {
                    last = Math.Max(last, batchLast);
                }
            }
            done |= !any;
        }
        return found;
    }

    private static NpgsqlParameter TimeBound(DateTimeOffset time, long ticks) => new()
    {
        NpgsqlDbType = NpgsqlDbType.TimestampTz,
        // Far ends (MinValue, MaxValue) bound nothing.
        Value = time.Year is > 1 and < 9999 ? time.ToUniversalTime().AddTicks(ticks) : DBNull.Value,
    };
}
