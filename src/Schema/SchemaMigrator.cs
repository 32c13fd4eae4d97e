using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Sharemint.Schema;

/// <summary>One versioned migration: a numbered SQL script embedded in this assembly.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script text; an applied migration whose text changed is refused.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>What one run of the migrator did.</summary>
public sealed record MigrationReport(IReadOnlyList<Migration> Applied, IReadOnlyList<Migration> AlreadyApplied)
{
    /// <summary>What the migrations raised for operators (PostgreSQL WARNINGs), e.g. data that needs settling by hand.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Raised when the database holds a migration whose text differs from ours, or a newer one we do not know.</summary>
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
    /// <exception cref="SchemaMismatchException">An applied migration's text changed, or the database is newer than this build.</exception>
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
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (@v, @n, @c)", connection, tx))
            {
                record.Parameters.AddWithValue("v", migration.Version);
                record.Parameters.AddWithValue("n", migration.Name);
                record.Parameters.AddWithValue("c", migration.Checksum);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
            applied.Add(migration);
        }

        await using (var newest = new NpgsqlCommand("SELECT max(version) FROM schema_migrations", connection))
        {
            var max = await newest.ExecuteScalarAsync(cancellationToken);
            var known = Migrations.Count == 0 ? 0 : Migrations[^1].Version;
            if (max is int dbVersion && dbVersion > known)
            {
                throw new SchemaMismatchException(
                    $"The database is at schema version {dbVersion}, newer than this build knows ({known}). Upgrade the binary, not the database.");
            }
        }

        lock (warnings)
        {
            return new MigrationReport(applied, skipped) { Warnings = [.. warnings] };
        }
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
        // Versions are unique and ascending; ranges may leave gaps (parallel work is given separate number ranges).
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two migrations share version {migrations[i].Version}.");
            }
        }
        return migrations;
    }
}
