using System.Text.Json.Nodes;
using Npgsql;
using Sharemint.Accounts;
using Sharemint.Fixtures;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// A rolling upgrade runs old and new silos side by side. A row written by a newer build (fields this build does not
/// know, a higher state version) is read, changed and written back by this build through the real silo and PostgreSQL:
/// the newer fields survive, at the top level and nested, and the row keeps its newer state version.
/// </summary>
public sealed class MixedVersionStateTests
{
    [Fact]
    public async Task Fields_written_by_a_newer_build_survive_a_read_modify_write_by_this_build()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_mixed");
        var clusterId = $"mixed-{Guid.NewGuid():N}";
        await using var silo = await SiloProcess.StartAsync(database, seedDemo: false, clusterId: clusterId);
        await using var client = await SiloClient.ConnectAsync(database, clusterId);
        var account = client.Client.GetGrain<IHolderAccountGrain>("partner-mixed");
        await account.OnboardAsync(new PartnerProfile("Mixed Partner", "CH", PartnerTier.Standard, 0.001m, AccountLimits.Default));
        await account.AllowWalletAsync(OperationId.From("mixed/wallet-hot"), "ethereum", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        await account.AllowWalletAsync(OperationId.From("mixed/wallet-cold"), "ethereum", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
        await account.CreditCashAsync(OperationId.From("mixed/credit-1"), 100m);
        await DeactivateAsync(client);
        await using var data = NpgsqlDataSource.Create(database);
        Assert.True((await ReadStateAsync(data))["$stateVersion"]!.GetValue<int>() >= 1, "every row carries the state version of the build that wrote it");

        // A newer build wrote this row: a top-level field, one inside the profile, one on each wallet, and its version.
        await UpdateStateAsync(data, """
            jsonb_set(jsonb_set(jsonb_set(STATE, '{profile,taxResidency}', '"CH-ZH"'),
                                '{wallets,0,label}', '"hot"'),
                      '{wallets,1,label}', '"cold"')
              || '{"loyaltyPoints": 42, "riskReview": {"score": 7, "by": "ops"}, "$stateVersion": 99}'::jsonb
            """);

        // This build activates the grain, changes it and writes it.
        var credited = await account.CreditCashAsync(OperationId.From("mixed/credit-2"), 50m);
        Assert.Equal(150m, credited.CashBalance);
        var state = await ReadStateAsync(data);
        Assert.Equal("150", state["cashBalance"]!.ToJsonString());
        Assert.Equal(42, state["loyaltyPoints"]!.GetValue<int>());
        Assert.Equal(7, state["riskReview"]!["score"]!.GetValue<int>());
        Assert.Equal("CH-ZH", state["profile"]!["taxResidency"]!.GetValue<string>());
        Assert.Equal("Mixed Partner", state["profile"]!["displayName"]!.GetValue<string>());
        Assert.Equal(["hot", "cold"], state["wallets"]!.AsArray().Select(w => w!["label"]!.GetValue<string>()).ToArray());
        Assert.Equal(99, state["$stateVersion"]!.GetValue<int>());

        // What this build removes stays removed: the cold wallet goes, its newer field with it, and the hot one keeps its own.
        await account.RemoveWalletAsync(OperationId.From("mixed/unlist-cold"), "ethereum", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
        state = await ReadStateAsync(data);
        var wallet = Assert.Single(state["wallets"]!.AsArray());
        Assert.Equal("hot", wallet!["label"]!.GetValue<string>());
        Assert.Equal(42, state["loyaltyPoints"]!.GetValue<int>());

        // A second activation still carries them (they come from the row, not from memory).
        await DeactivateAsync(client);
        await account.CreditCashAsync(OperationId.From("mixed/credit-3"), 1m);
        state = await ReadStateAsync(data);
        Assert.Equal(42, state["loyaltyPoints"]!.GetValue<int>());
        Assert.Equal("CH-ZH", state["profile"]!["taxResidency"]!.GetValue<string>());
        Assert.Equal("151", state["cashBalance"]!.ToJsonString());
    }

    private static async Task DeactivateAsync(SiloClient client) =>
        await client.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    private const string Row = "convert_from(payload, 'UTF8')::jsonb -> 'profile' ->> 'displayName' = 'Mixed Partner'";

    private static async Task UpdateStateAsync(NpgsqlDataSource data, string newState)
    {
        await using var command = data.CreateCommand($"""
            UPDATE orleans_storage SET payload = convert_to(({newState.Replace("STATE", "convert_from(payload, 'UTF8')::jsonb", StringComparison.Ordinal)})::text, 'UTF8')
             WHERE {Row}
            """);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<JsonObject> ReadStateAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand($"SELECT convert_from(payload, 'UTF8') FROM orleans_storage WHERE {Row}");
        var text = (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("the account's row is missing");
        return JsonNode.Parse(text)!.AsObject();
    }
}
