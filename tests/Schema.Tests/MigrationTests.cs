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
    public async Task A_database_with_a_breaking_migration_newer_than_the_build_is_refused()
    {
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        await ExecuteAsync(db, "INSERT INTO schema_migrations (version, name, checksum, breaking) VALUES (9999, 'future_drop', 'x', true)");

        var ex = await Assert.ThrowsAsync<SchemaMismatchException>(() => SchemaMigrator.MigrateAsync(db));
        Assert.Contains("9999", ex.Message, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<SchemaMismatchException>(() => SchemaMigrator.EnsureServableAsync(db));
        Assert.Contains("upgrade the binary", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_with_only_additive_migrations_newer_than_the_build_is_served_and_re_migrated()
    {
        // A rollback: a newer build applied an additive migration, then the older binary (this one) comes back.
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        await ExecuteAsync(db, """
            ALTER TABLE order_index ADD COLUMN IF NOT EXISTS partner_reference text;
            CREATE TABLE future_feature (id bigint PRIMARY KEY);
            INSERT INTO schema_migrations (version, name, checksum, breaking) VALUES (9998, 'future_feature', 'y', false);
            """);

        var again = await SchemaMigrator.MigrateAsync(db);
        Assert.Empty(again.Applied);
        Assert.Equal([9998], again.Unknown);
        var served = await SchemaMigrator.EnsureServableAsync(db);
        Assert.True(served.CanServe);
        Assert.Equal([9998], served.UnknownAdditive);
        Assert.Contains("additive", served.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_build_does_not_serve_before_its_own_migrations_are_applied()
    {
        var db = await EmptyDatabaseAsync();
        var empty = await SchemaMigrator.CheckAsync(db);
        Assert.False(empty.CanServe);
        Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Version), empty.Pending);

        await SchemaMigrator.MigrateAsync(db);
        var newest = SchemaMigrator.Migrations[^1].Version;
        await ExecuteAsync(db, $"DELETE FROM schema_migrations WHERE version = {newest}");
        var ex = await Assert.ThrowsAsync<SchemaMismatchException>(() => SchemaMigrator.EnsureServableAsync(db));
        Assert.Contains("sharemint db migrate", ex.Message, StringComparison.Ordinal);
        Assert.Contains(newest.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_migrated_before_the_breaking_column_existed_is_upgraded_in_place()
    {
        // Databases migrated by earlier builds have schema_migrations without the breaking column: re-applying adds it.
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        await ExecuteAsync(db, "ALTER TABLE schema_migrations DROP COLUMN breaking");
        Assert.True((await SchemaMigrator.CheckAsync(db)).CanServe);
        var again = await SchemaMigrator.MigrateAsync(db);
        Assert.Empty(again.Applied);
        Assert.True((await SchemaMigrator.EnsureServableAsync(db)).CanServe);
    }

    [Fact]
    public void Migrations_are_additive_unless_marked_breaking_and_may_leave_gaps_in_numbering()
    {
        Assert.False(new Migration(30, "add_column", "ALTER TABLE t ADD COLUMN c text;").Breaking);
        Assert.True(new Migration(31, "drop_column", "-- Drops c.\n-- breaking: builds before 31 read column c\nALTER TABLE t DROP COLUMN c;").Breaking);
        Assert.All(SchemaMigrator.Migrations, m => Assert.False(m.Breaking, $"{m.Version:D4} is marked breaking"));
        var versions = SchemaMigrator.Migrations.Select(m => m.Version).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Distinct().Count(), versions.Count);
    }

    [Fact]
    public async Task The_storage_table_keys_on_the_full_grain_identity()
    {
        await using var connection = await MigratedDatabaseAsync();
        const string insert = "INSERT INTO orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, grain_id_hash, grain_type_hash, payload, version) VALUES ('s', 'asset', 0, 0, 'TSLAx', 1, 1, '\\x7b7d', 1)";
        await using (var first = new NpgsqlCommand(insert, connection))
        {
            await first.ExecuteNonQueryAsync();
        }
        await using var second = new NpgsqlCommand(insert, connection);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => second.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
    }

    [Fact]
    public async Task Grain_and_order_states_are_compressed_with_lz4_and_kept_in_their_row()
    {
        await using var connection = await MigratedDatabaseAsync();
        // An account-sized state (about 7 KB of JSON, as compressible as a real one), written and then rewritten.
        var lines = string.Join(",", Enumerable.Range(1, 50).Select(i =>
            $$"""{"sequence":{{i}},"kind":"Hold","reference":"ord_{{Guid.NewGuid():N}}/hold","cashChange":-{{i}}.52,"cashBalanceAfter":{{999_000 - i}}.48}"""));
        var payload = System.Text.Encoding.UTF8.GetBytes($$"""{"cashJournal":[{{lines}}]}""");
        Assert.InRange(payload.Length, 6_000, 9_000);
        await using (var write = new NpgsqlCommand("""
            INSERT INTO orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, grain_id_hash, grain_type_hash, payload, version)
            VALUES ('s', 'account', 0, 0, 'p-1', 1, 1, @payload, 1);
            UPDATE orleans_storage SET payload = @payload || '\x20'::bytea, version = 2 WHERE grain_id_extension = 'p-1';
            """, connection))
        {
            write.Parameters.AddWithValue("payload", payload);
            await write.ExecuteNonQueryAsync();
        }

        Assert.Equal("lz4", await ScalarAsync<string>(connection, "SELECT pg_column_compression(payload) FROM orleans_storage WHERE grain_id_extension = 'p-1'"));
        var toast = await ScalarAsync<string>(connection, "SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'orleans_storage'");
        Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM {toast}"));
        Assert.Equal(payload.Length + 1, await ScalarAsync<int>(connection, "SELECT length(payload) FROM orleans_storage WHERE grain_id_extension = 'p-1'"));
        Assert.Contains("fillfactor=50", await ScalarAsync<string[]>(connection, "SELECT reloptions FROM pg_class WHERE relname = 'orleans_storage'"));
        // An order's stored state is kept the same way (l: lz4, m: compressed in the row).
        Assert.Equal("l m", await ScalarAsync<string>(connection,
            "SELECT attcompression::text || ' ' || attstorage::text FROM pg_attribute WHERE attrelid = 'order_index'::regclass AND attname = 'state'"));
    }

    [Fact]
    public async Task An_accounts_order_listing_is_served_by_the_keyset_index_alone()
    {
        await using var connection = await MigratedDatabaseAsync();
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_indexes WHERE indexname = 'order_index_account'"));
        var plan = await ScalarAsync<string>(connection, """
            SET enable_seqscan = off;
            EXPLAIN (FORMAT JSON) SELECT order_id FROM order_index WHERE account_id = 'p-1' ORDER BY created_at DESC, order_id DESC LIMIT 50
            """);
        Assert.Contains("order_index_account_keyset", plan);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(string db, string sql)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>An open connection to a new database with every migration applied.</summary>
    private async Task<NpgsqlConnection> MigratedDatabaseAsync()
    {
        var db = await EmptyDatabaseAsync();
        await SchemaMigrator.MigrateAsync(db);
        var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        return connection;
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
