using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Sharemint.Schema;

/// <summary>One versioned migration: a numbered SQL script embedded in this assembly.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>The line that marks a migration older builds must not run against (e.g. <c>-- breaking: drops column x</c>).</summary>
    public const string BreakingMarker = "-- breaking:";

    /// <summary>SHA-256 of the script text; an applied migration whose text changed is refused.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>
    /// False for an additive migration (new tables, columns with defaults, indexes, query rows): a build that does not
    /// know it still runs against the database, which is what makes rolling back the binary safe. True when the script
    /// carries <see cref="BreakingMarker"/>: older builds then refuse the database.
    /// </summary>
    public bool Breaking { get; } = Sql.Split('\n').Any(line => line.TrimStart().StartsWith(BreakingMarker, StringComparison.OrdinalIgnoreCase));
}

/// <summary>What one run of the migrator did; <see cref="Unknown"/> lists applied versions newer builds added (all additive).</summary>
public sealed record MigrationReport(IReadOnlyList<Migration> Applied, IReadOnlyList<Migration> AlreadyApplied)
{
    /// <summary>What the migrations raised for operators (PostgreSQL WARNINGs), e.g. data that needs settling by hand.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Additive migrations in the database that this build does not know (a newer build applied them).</summary>
    public IReadOnlyList<int> Unknown { get; init; } = [];
}

/// <summary>How the database's schema stands against this build.</summary>
/// <param name="Pending">Migrations this build has that the database lacks: the silo must not serve until they are applied.</param>
/// <param name="UnknownAdditive">Applied versions this build does not know, all additive: safe to serve (a rolled-back build).</param>
/// <param name="UnknownBreaking">Applied versions this build does not know that are breaking: this build must not serve.</param>
/// <param name="Altered">Applied versions whose recorded checksum differs from this build's text.</param>
public sealed record SchemaCompatibility(
    IReadOnlyList<int> Pending, IReadOnlyList<int> UnknownAdditive, IReadOnlyList<int> UnknownBreaking, IReadOnlyList<int> Altered)
{
    /// <summary>Whether a silo of this build may serve on this database.</summary>
    public bool CanServe => Pending.Count == 0 && UnknownBreaking.Count == 0 && Altered.Count == 0;

    /// <summary>One line for logs and errors.</summary>
    public string Describe() => CanServe
        ? UnknownAdditive.Count == 0
            ? "schema up to date"
            : $"schema has additive migrations newer than this build ({string.Join(", ", UnknownAdditive.Select(V))}): serving (rollback-compatible)"
        : string.Join("; ", new[]
            {
                Pending.Count > 0 ? $"migrations {string.Join(", ", Pending.Select(V))} are not applied: run `sharemint db migrate`" : null,
                UnknownBreaking.Count > 0 ? $"breaking migrations {string.Join(", ", UnknownBreaking.Select(V))} are newer than this build: upgrade the binary, not the database" : null,
                Altered.Count > 0 ? $"applied migrations {string.Join(", ", Altered.Select(V))} differ from this build's text" : null,
            }.OfType<string>());

    private static string V(int version) => version.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Raised when the database holds a migration whose text differs from ours, or a newer breaking one we do not know.</summary>
public sealed class SchemaMismatchException(string message) : Exception(message);

/// <summary>
/// Applies the embedded migrations in version order, each in its own transaction, under an advisory lock so that
/// several silos or a Kubernetes Job can run it at once. Re-runnable: applied versions are skipped.
/// </summary>
public static class SchemaMigrator
{
    // Any constant works; it only has to be the same for every process migrating this database.
    private const long AdvisoryLockKey = 0x5348_4D49_4E54; // "SHMINT"

    /// <summary>The migrations this build knows, in version order.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = LoadEmbedded();

    /// <summary>Brings the database up to date. Idempotent; safe to run concurrently from several processes.</summary>
    /// <exception cref="SchemaMismatchException">An applied migration's text changed, or the database holds a breaking migration newer than this build.</exception>
    public static async Task<MigrationReport> MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var warnings = new List<string>();
        connection.Notice += (_, e) =>
        {
            if (e.Notice.Severity is "WARNING")
            {
                lock (warnings)
                {
                    warnings.Add(e.Notice.MessageText);
                }
            }
        };
        await connection.OpenAsync(cancellationToken);

        await using (var create = new NpgsqlCommand("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, connection))
        {
            // Two processes creating the table at the same instant can collide on the catalog; the lock below serialises the rest.
            await using var lockTx = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, lockTx))
            {
                lockCmd.Parameters.AddWithValue("key", AdvisoryLockKey);
                await lockCmd.ExecuteNonQueryAsync(cancellationToken);
            }
            create.Transaction = lockTx;
            await create.ExecuteNonQueryAsync(cancellationToken);
            // Whether older builds may run against a migration (added after the table existed: re-appliable).
            await using (var breaking = new NpgsqlCommand(
                "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS breaking boolean NOT NULL DEFAULT false", connection, lockTx))
            {
                await breaking.ExecuteNonQueryAsync(cancellationToken);
            }
            await lockTx.CommitAsync(cancellationToken);
        }

        var applied = new List<Migration>();
        var skipped = new List<Migration>();
        foreach (var migration in Migrations)
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, tx))
            {
                lockCmd.Parameters.AddWithValue("key", AdvisoryLockKey);
                await lockCmd.ExecuteNonQueryAsync(cancellationToken);
            }

            string? existingChecksum;
            await using (var read = new NpgsqlCommand("SELECT checksum FROM schema_migrations WHERE version = @v", connection, tx))
            {
                read.Parameters.AddWithValue("v", migration.Version);
                existingChecksum = (string?)await read.ExecuteScalarAsync(cancellationToken);
            }

            if (existingChecksum is not null)
            {
                if (existingChecksum != migration.Checksum)
                {
                    throw new SchemaMismatchException(
                        $"Migration {migration.Version:D4} '{migration.Name}' was applied with different text (checksum {existingChecksum}, ours {migration.Checksum}). Applied migrations are immutable: add a new one instead.");
                }
                skipped.Add(migration);
                await tx.RollbackAsync(cancellationToken);
                continue;
            }

            await using (var apply = new NpgsqlCommand(migration.Sql, connection, tx))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var record = new NpgsqlCommand(
                "INSERT INTO schema_migrations (version, name, checksum, breaking) VALUES (@v, @n, @c, @b)", connection, tx))
            {
                record.Parameters.AddWithValue("v", migration.Version);
                record.Parameters.AddWithValue("n", migration.Name);
                record.Parameters.AddWithValue("c", migration.Checksum);
                record.Parameters.AddWithValue("b", migration.Breaking);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
            applied.Add(migration);
        }

        // A newer build may have applied migrations this one does not know: additive ones are fine (that is a rollback),
        // breaking ones are not.
        var compatibility = await CheckAsync(connection, cancellationToken);
        if (compatibility.UnknownBreaking.Count > 0)
        {
            throw new SchemaMismatchException($"The database is newer than this build: {compatibility.Describe()}.");
        }

        lock (warnings)
        {
            return new MigrationReport(applied, skipped) { Warnings = [.. warnings], Unknown = compatibility.UnknownAdditive };
        }
    }

    /// <summary>How the database's schema stands against this build (read only; takes no lock).</summary>
    public static async Task<SchemaCompatibility> CheckAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return await CheckAsync(connection, cancellationToken);
    }

    /// <summary>
    /// Refuses to go on unless a silo of this build may serve on the database: every migration it knows applied, with the
    /// same text, and nothing breaking newer than it. Call at start-up, before serving.
    /// </summary>
    /// <exception cref="SchemaMismatchException">The schema is not one this build can serve on; the message says why and what to do.</exception>
    public static async Task<SchemaCompatibility> EnsureServableAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var compatibility = await CheckAsync(connectionString, cancellationToken);
        if (!compatibility.CanServe)
        {
            throw new SchemaMismatchException($"Refusing to serve on this database: {compatibility.Describe()}.");
        }
        return compatibility;
    }

    private static async Task<SchemaCompatibility> CheckAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var recorded = new List<(int Version, string Checksum, bool Breaking)>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT version, checksum, COALESCE((to_jsonb(m) ->> 'breaking')::boolean, false) FROM schema_migrations m ORDER BY version", connection))
        {
            try
            {
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    recorded.Add((reader.GetInt32(0), reader.GetString(1), reader.GetBoolean(2)));
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // Nothing applied yet: everything is pending.
            }
        }
        var known = Migrations.ToDictionary(m => m.Version);
        var applied = recorded.ToDictionary(r => r.Version);
        return new SchemaCompatibility(
            Pending: Migrations.Where(m => !applied.ContainsKey(m.Version)).Select(m => m.Version).ToList(),
            UnknownAdditive: recorded.Where(r => !known.ContainsKey(r.Version) && !r.Breaking).Select(r => r.Version).ToList(),
            UnknownBreaking: recorded.Where(r => !known.ContainsKey(r.Version) && r.Breaking).Select(r => r.Version).ToList(),
            Altered: recorded.Where(r => known.TryGetValue(r.Version, out var m) && m.Checksum != r.Checksum).Select(r => r.Version).ToList());
    }

    /// <summary>The versions recorded as applied in the database, in order.</summary>
    public static async Task<IReadOnlyList<int>> AppliedVersionsAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            "SELECT version FROM schema_migrations ORDER BY version", connection);
        var versions = new List<int>();
        try
        {
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                versions.Add(reader.GetInt32(0));
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return [];
        }
        return versions;
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string prefix = "Sharemint.Schema.Migrations.";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..^".sql".Length];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(fileName[..separator], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(version, fileName[(separator + 1)..], reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        // Numbers are unique; gaps are allowed (work in parallel takes numbers from separate ranges).
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null || migrations.Any(m => m.Version < 1))
        {
            throw new InvalidOperationException($"Migration numbers must be positive and unique; {duplicate?.Key} is used by {string.Join(", ", duplicate?.Select(m => m.Name) ?? [])}.");
        }
        return migrations;
    }
}
