using System.Text.Json;
using Npgsql;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 12: the start-up deployment of the whole catalogue. On Tron a batch of deployments is signed and broadcast before
/// anything waits, so it lands in a few blocks, not one block per token; a batch cut short resumes without a second deploy.
/// </summary>
[Collection(TronSignerCollection.Name)]
public sealed class TronDeployBatchTests(TronSignerFixture fixture)
{
    private static List<TokenDeploymentRequest> Requests(int count, string name) =>
        Enumerable.Range(1, count).Select(i => new TokenDeploymentRequest(NewSymbol(), $"{name} {i}", Multiplier.One)).ToList();

    /// <summary>Calls the batch until every symbol is on chain (each call waits a bounded time), at most 60 s.</summary>
    private async Task<Dictionary<string, TokenDeployment>> DeployAllAsync(IReadOnlyList<TokenDeploymentRequest> requests)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var answer = await fixture.Signer.DeployTokensAsync(requests);
            if (answer.Count == requests.Count)
            {
                return answer.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            }
            Assert.True(DateTime.UtcNow < deadline, $"{requests.Count - answer.Count} of {requests.Count} deployments still not on chain after 60 s");
        }
    }

    /// <summary>The txIDs saved for each symbol's deployment, oldest attempt first.</summary>
    private async Task<Dictionary<string, List<string>>> SavedTxIdsAsync(IEnumerable<TokenDeploymentRequest> requests)
    {
        var saved = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        foreach (var request in requests)
        {
            await using var command = new NpgsqlCommand(
                "SELECT tx_hash FROM chain_signer_evm_attempts WHERE chain = 'tron' AND operation_key = $1 ORDER BY attempt", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = "deploy:" + request.Symbol });
            var txIds = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                txIds.Add(reader.GetString(0));
            }
            saved[request.Symbol] = txIds;
        }
        return saved;
    }

    /// <summary>TronWeb's view of each deployment transaction: its block, the contract it created, and that contract's name and symbol.</summary>
    private async Task<Dictionary<string, JsonElement>> TronWebDeploymentsAsync(IEnumerable<string> txIds)
    {
        var seen = await fixture.TronWebAsync("deployments", "--txids", string.Join(',', txIds));
        return seen.GetProperty("deployments").EnumerateArray().ToDictionary(d => d.GetProperty("txid").GetString()!, d => d, StringComparer.Ordinal);
    }

    [Fact]
    public async Task A_batch_of_deployments_lands_in_far_fewer_blocks_than_tokens_and_TronWeb_reads_each_token()
    {
        const int count = 12;
        var requests = Requests(count, "Batch xStock");
        var deployed = await DeployAllAsync(requests);

        var saved = await SavedTxIdsAsync(requests);
        Assert.All(requests, r => Assert.Single(saved[r.Symbol]));
        var seen = await TronWebDeploymentsAsync(requests.Select(r => saved[r.Symbol][0]));
        var blocks = requests.Select(r => seen[saved[r.Symbol][0]].GetProperty("block").GetInt64()).ToList();
        // One token per block (the old path) would span at least 12 blocks; a batch broadcast at once spans a few.
        var span = blocks.Max() - blocks.Min() + 1;
        Assert.True(span <= count / 3, $"{count} deployments spread over {span} blocks ({string.Join(", ", blocks)})");
        foreach (var request in requests)
        {
            var token = seen[saved[request.Symbol][0]];
            Assert.Equal(deployed[request.Symbol].TokenAddress, token.GetProperty("address").GetString());
            Assert.Equal(request.Symbol, token.GetProperty("symbol").GetString());
            Assert.Equal(request.Name, token.GetProperty("name").GetString());
            Assert.Equal(18, deployed[request.Symbol].Decimals);
            Assert.Equal("tron", deployed[request.Symbol].Chain);
        }
        Assert.Equal(count, deployed.Values.Select(d => d.TokenAddress).Distinct().Count());

        // Again, in one call and one by one: the same tokens, and nothing signed.
        var signed = fixture.Keys.Signed("tron");
        Assert.Equal(deployed, (await fixture.Signer.DeployTokensAsync(requests)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        Assert.Equal(deployed[requests[0].Symbol], await fixture.Signer.DeployTokenAsync(requests[0]));
        Assert.Equal(signed, fixture.Keys.Signed("tron"));
    }

    [Fact]
    public async Task A_batch_cut_off_after_some_were_signed_ends_after_a_restart_with_every_symbol_deployed_once()
    {
        var requests = Requests(8, "Resumed xStock");
        try
        {
            // The key holder signs three deployments, then goes away: the call fails retryably with three saved and sent.
            fixture.Keys.DownAfter("tron", 3);
            var cut = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.DeployTokensAsync(requests));
            Assert.Equal(LedgerError.ChainUnavailable, cut.Error);
        }
        finally
        {
            fixture.Keys.Set("tron", SwitchableKeySource.Mode.Up);
        }
        var before = await SavedTxIdsAsync(requests);
        var signedBefore = requests.Where(r => before[r.Symbol].Count == 1).Select(r => r.Symbol).ToList();
        Assert.Equal(3, signedBefore.Count);
        Assert.Equal(5, requests.Count(r => before[r.Symbol].Count == 0));

        // The silo goes down too; a new activation on the same database finishes the batch.
        await fixture.RestartClusterAsync();
        var deployed = await DeployAllAsync(requests);
        var after = await SavedTxIdsAsync(requests);
        Assert.All(requests, r => Assert.Single(after[r.Symbol]));
        // The three signed before the cut are the transactions that deployed them: nothing was signed for them again.
        Assert.All(signedBefore, s => Assert.Equal(before[s][0], after[s][0]));
        var seen = await TronWebDeploymentsAsync(requests.Select(r => after[r.Symbol][0]));
        foreach (var request in requests)
        {
            var token = seen[after[request.Symbol][0]];
            Assert.Equal(deployed[request.Symbol].TokenAddress, token.GetProperty("address").GetString());
            Assert.Equal(request.Symbol, token.GetProperty("symbol").GetString());
        }
        Assert.Equal(requests.Count, deployed.Values.Select(d => d.TokenAddress).Distinct().Count());
    }

    [Fact]
    public async Task A_bad_batch_is_refused_whole_and_deploys_nothing()
    {
        var good = Requests(1, "Good xStock")[0];
        var signed = fixture.Keys.Signed("tron");
        async Task RefusedAsync(IReadOnlyList<TokenDeploymentRequest> batch, string message)
        {
            var refused = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.DeployTokensAsync(batch));
            Assert.Equal(LedgerError.InvalidArgument, refused.Error);
            Assert.Contains(message, refused.Message, StringComparison.Ordinal);
        }
        await RefusedAsync([], "1-100 requests");
        await RefusedAsync(Requests(101, "Too many"), "1-100 requests");
        await RefusedAsync([good, good], "each symbol once");
        await RefusedAsync([good, new TokenDeploymentRequest("", "No symbol", Multiplier.One)], "needs a symbol");
        Assert.Equal(signed, fixture.Keys.Signed("tron"));
        Assert.Empty((await SavedTxIdsAsync([good]))[good.Symbol]);
    }
}
