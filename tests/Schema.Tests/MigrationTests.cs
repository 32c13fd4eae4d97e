using Npgsql;
using Sharemint.Fixtures;
using Sharemint.Schema;

namespace Sharemint.Schema.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Concurrent_migrations_apply_each_version_exactly_once()
    {
        var db = await EmptyDatabaseAsync();
        var reports = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SchemaMigrator.MigrateAsync(db)));

        Assert.Equal(SchemaMigrator.Migrations.Count, reports.Sum(r => r.Applied.Count));
        Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Version), await SchemaMigrator.AppliedVersionsAsync(db));
        var again = await SchemaMigrator.MigrateAsync(db);
        Assert.Empty(again.Applied);
    }

    [Fact]
    public async Task Every_query_key_the_orleans_providers_read_is_present()
    {
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        string[] required =
        [
            "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
            "CleanupDefunctSiloEntriesKey", "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection);
        var keys = new HashSet<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }
        Assert.Empty(required.Except(keys));
    }

    [Fact]
    public async Task An_applied_migration_whose_text_changed_is_refused()
    {
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        await using (var connection = new NpgsqlConnection(db))
        {
            await connection.OpenAsync();
            await using var tamper = new NpgsqlCommand("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2", connection);
            await tamper.ExecuteNonQueryAsync();
        }
        var ex = await Assert.ThrowsAsync<SchemaMismatchException>(() => SchemaMigrator.MigrateAsync(db));
        Assert.Contains("0002", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_newer_than_the_build_is_refused()
    {
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        await using (var connection = new NpgsqlConnection(db))
        {
            await connection.OpenAsync();
            await using var future = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')", connection);
            await future.ExecuteNonQueryAsync();
        }
        await Assert.ThrowsAsync<SchemaMismatchException>(() => SchemaMigrator.MigrateAsync(db));
    }

    [Fact]
    public async Task The_storage_table_keys_on_the_full_grain_identity()
    {
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        const string insert = "INSERT INTO orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, grain_id_hash, grain_type_hash, payload, version) VALUES ('s', 'asset', 0, 0, 'TSLAx', 1, 1, '\\x7b7d', 1)";
        await using (var first = new NpgsqlCommand(insert, connection))
        {
            await first.ExecuteNonQueryAsync();
        }
        await using var second = new NpgsqlCommand(insert, connection);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => second.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
    }

    private async Task<string> EmptyDatabaseAsync()
    {
        var name = $"schema_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(postgres.Server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return postgres.Server.ConnectionString(name);
    }
}
