using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Client;
using Sharemint.Client.Http;
using Sharemint.Fixtures;

namespace Sharemint.Api.Tests;

/// <summary>
/// The API under attack, one rule per test against a real silo: cheap refusals before any key lookup, one answer for
/// every authentication failure, the nonce and the idempotency key in the signature, scopes, address allow-lists,
/// rotation overlap, one wallet per partner, holder consent for burns, range checks on amounts, and the management port.
/// Each test fails if its rule is removed.
/// </summary>
public sealed class HardeningTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    [Fact]
    public async Task A_flooding_address_is_refused_before_authentication_and_other_addresses_are_not()
    {
        using var flooder = LoopbackClient.From(api.Silo.BaseAddress, "127.0.0.31", maxConnections: 32);
        var responses = await Task.WhenAll(Enumerable.Range(0, ApiSilo.AddressBurst + 150).Select(_ => flooder.GetAsync("v1/account")));
        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.NotEmpty(limited);
        await Problems.AssertAsync(limited[0], HttpStatusCode.TooManyRequests, "rate_limited");

        // While that address is out of budget even a correctly signed request from it is refused, before its signature
        // is looked at. A short burst first spends whatever refilled since; the budget refills 20 a second, so on a
        // loaded machine the signed request can arrive after a refill: it is tried a few times, and without the rule
        // it would pass every time.
        HttpResponseMessage? refusedSigned = null;
        for (var attempt = 0; attempt < 8 && refusedSigned is null; attempt++)
        {
            await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => flooder.GetAsync("v1/account")));
            using var signed = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret);
            var response = await flooder.SendAsync(signed);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refusedSigned = response;
            }
        }
        Assert.NotNull(refusedSigned);
        await Problems.AssertAsync(refusedSigned, HttpStatusCode.TooManyRequests, "rate_limited");
        using var other = LoopbackClient.From(api.Silo.BaseAddress, "127.0.0.32");
        using var fromOther = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret);
        Assert.Equal(HttpStatusCode.OK, (await other.SendAsync(fromOther)).StatusCode);
    }

    [Fact]
    public async Task A_source_of_bad_signatures_stops_reaching_the_key_store()
    {
        using var attacker = LoopbackClient.From(api.Silo.BaseAddress, "127.0.0.33", maxConnections: 1);
        var before = await api.AuthDatabaseCommandsAsync();
        var codes = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            using var forged = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, "pk_guess_" + Guid.NewGuid().ToString("N")[..12], "sk_guess");
            using var response = await attacker.SendAsync(forged);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            codes.Add(doc.RootElement.GetProperty("code").GetString()!);
        }
        var lookups = await api.AuthDatabaseCommandsAsync() - before;

        var failures = codes.Count(c => c == "signature_invalid");
        Assert.Contains("rate_limited", codes);
        // The budget (plus what refilled during the loop) bounds the key lookups; the rest were refused before any.
        Assert.InRange(failures, ApiSilo.AuthFailureBurst, ApiSilo.AuthFailureBurst + 10);
        Assert.InRange(lookups, 1, failures);
        Assert.Equal(60, codes.Count(c => c is "signature_invalid" or "rate_limited"));
    }

    [Fact]
    public async Task A_body_declared_too_large_is_refused_before_a_byte_of_it_is_sent()
    {
        // Headers only: a server that tried to buffer the body first would wait here until the timeout.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, api.Silo.BaseAddress.Port);
        var head = "POST /admin/v1/partners/partner-demo/cash HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                   "Content-Length: 104857600\r\nIdempotency-Key: huge-1\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
        Assert.Contains("payload_too_large", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_key_revoked_key_and_bad_signature_get_one_answer_and_the_log_tells_them_apart()
    {
        var (keyId, secret) = await NewPartnerKeyAsync(await OnboardAsync());
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/keys/{keyId}/revoke"));

        var unknownId = "pk_unknown_" + Guid.NewGuid().ToString("N")[..8];
        using var unknown = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, unknownId, api.DemoSecret);
        using var badSignature = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, "sk_wrong_secret_for_demo");
        using var revoked = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, keyId, secret);
        var answers = new List<string>();
        foreach (var request in new[] { unknown, badSignature, revoked })
        {
            var problem = await Problems.AssertAsync(await api.Http.SendAsync(request), HttpStatusCode.Unauthorized, "signature_invalid");
            answers.Add(problem.GetProperty("detail").GetString() + "|" + problem.GetProperty("title").GetString());
        }
        Assert.Single(answers.Distinct());

        // The operator's log keeps the difference.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(api.Silo.Output.Contains($"key id {unknownId}: unknown key", StringComparison.Ordinal)
                 && api.Silo.Output.Contains($"key id {keyId}: revoked key", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Contains($"key id {unknownId}: unknown key", api.Silo.Output, StringComparison.Ordinal);
        Assert.Contains($"key id {keyId}: revoked key", api.Silo.Output, StringComparison.Ordinal);
        Assert.Contains($"key id {ApiSilo.DemoKeyId}: signature mismatch", api.Silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_idempotency_key_is_part_of_the_signature()
    {
        var accountId = await OnboardAsync();
        using var swapped = ApiSilo.Signed(HttpMethod.Post, $"admin/v1/partners/{accountId}/cash", """{"amount":10}""",
            ApiSilo.AdminKeyId, api.AdminSecret, idempotencyKey: "attacker-chosen", signWithIdempotencyKey: "signed-key");
        await Problems.AssertAsync(await api.Http.SendAsync(swapped), HttpStatusCode.Unauthorized, "signature_invalid");
        Assert.Equal(0m, (await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, $"admin/v1/partners/{accountId}"))).GetProperty("cashBalance").GetAmount());

        using var duplicated = ApiSilo.Signed(HttpMethod.Post, $"admin/v1/partners/{accountId}/cash", """{"amount":10}""",
            ApiSilo.AdminKeyId, api.AdminSecret, idempotencyKey: "dup-1");
        duplicated.Headers.Add("Idempotency-Key", "dup-2");
        await Problems.AssertAsync(await api.Http.SendAsync(duplicated), HttpStatusCode.BadRequest, "idempotency_key_invalid");

        var credited = await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/cash", """{"amount":10}""", "signed-key");
        Assert.Equal(10m, (await Problems.JsonAsync(credited)).GetProperty("cashBalance").GetAmount());
    }

    [Fact]
    public async Task Identical_requests_in_the_same_millisecond_differ_by_nonce_and_a_nonce_is_used_once()
    {
        var at = DateTimeOffset.UtcNow;
        using var first = ApiSilo.Signed(HttpMethod.Get, "v1/account?same=1", null, ApiSilo.DemoKeyId, api.DemoSecret, at: at);
        using var second = ApiSilo.Signed(HttpMethod.Get, "v1/account?same=1", null, ApiSilo.DemoKeyId, api.DemoSecret, at: at);
        var both = await Task.WhenAll(api.Http.SendAsync(first), api.Http.SendAsync(second));
        Assert.All(both, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // Two SDK clients on the same key, same request, at once: both accepted.
        var clients = Enumerable.Range(0, 2).Select(_ => new SharemintClient(api.Silo.CreateHttpClient(),
            new SharemintClientOptions { KeyId = ApiSilo.DemoKeyId, Secret = api.DemoSecret, MaxRetries = 0 })).ToArray();
        var accounts = await Task.WhenAll(clients.Select(c => c.Account.GetAsync()));
        Assert.All(accounts, a => Assert.Equal("partner-demo", a.Value.AccountId));

        var nonce = RequestSigner.NewNonce();
        using var once = ApiSilo.Signed(HttpMethod.Get, "v1/account?n=a", null, ApiSilo.DemoKeyId, api.DemoSecret, nonce: nonce);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(once)).StatusCode);
        // The same nonce on another request (re-signed, so the signature is new) is still refused: the guard keys on the nonce.
        using var reused = ApiSilo.Signed(HttpMethod.Get, "v1/account?n=b", null, ApiSilo.DemoKeyId, api.DemoSecret, nonce: nonce);
        await Problems.AssertAsync(await api.Http.SendAsync(reused), HttpStatusCode.Unauthorized, "signature_replayed");

        using var shortNonce = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret, nonce: "abc");
        await Problems.AssertAsync(await api.Http.SendAsync(shortNonce), HttpStatusCode.Unauthorized, "nonce_invalid");
        using var noNonce = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret);
        noNonce.Headers.Remove(RequestSigner.NonceHeader);
        await Problems.AssertAsync(await api.Http.SendAsync(noNonce), HttpStatusCode.Unauthorized, "signature_missing");
    }

    [Fact]
    public async Task Scopes_limit_what_a_partner_key_may_do()
    {
        var accountId = await OnboardAsync();
        var (readId, readSecret) = await NewPartnerKeyAsync(accountId, """{"scopes":["read"]}""");
        var (tradeId, tradeSecret) = await NewPartnerKeyAsync(accountId, """{"scopes":["read","trade"]}""");

        using (var read = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, readId, readSecret))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(read)).StatusCode);
        }
        using (var quote = ApiSilo.Signed(HttpMethod.Post, "v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":1}""", readId, readSecret, idempotencyKey: "scope-q"))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(quote), HttpStatusCode.Forbidden, "scope_insufficient");
        }
        var move = """{"symbol":"TSLAx","fromChain":"ethereum","fromWallet":"0x00000000000000000000000000000000000000a1","toChain":"base","toWallet":"0x00000000000000000000000000000000000000a1","amount":1}""";
        using (var transfer = ApiSilo.Signed(HttpMethod.Post, "v1/transfers", move, tradeId, tradeSecret, idempotencyKey: "scope-t"))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(transfer), HttpStatusCode.Forbidden, "scope_insufficient");
        }
        using (var self = ApiSilo.Signed(HttpMethod.Get, "v1/keys/self", null, readId, readSecret))
        {
            var key = await Problems.JsonAsync(await api.Http.SendAsync(self));
            Assert.Equal(new[] { "read" }, key.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()!).ToArray());
        }
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/keys", """{"scopes":["everything"]}"""),
            HttpStatusCode.BadRequest, "scope_invalid");
    }

    [Fact]
    public async Task A_key_with_an_address_allow_list_works_only_from_those_addresses()
    {
        var accountId = await OnboardAsync();
        var (farId, farSecret) = await NewPartnerKeyAsync(accountId, """{"allowedIps":["203.0.113.0/24"]}""");
        var (nearId, nearSecret) = await NewPartnerKeyAsync(accountId, """{"allowedIps":["127.0.0.41","10.0.0.0/8"]}""");

        using (var far = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, farId, farSecret))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(far), HttpStatusCode.Forbidden, "address_not_allowed");
        }
        using var listed = LoopbackClient.From(api.Silo.BaseAddress, "127.0.0.41");
        using (var near = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, nearId, nearSecret))
        {
            Assert.Equal(HttpStatusCode.OK, (await listed.SendAsync(near)).StatusCode);
        }
        using var unlisted = LoopbackClient.From(api.Silo.BaseAddress, "127.0.0.42");
        using (var elsewhere = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, nearId, nearSecret))
        {
            await Problems.AssertAsync(await unlisted.SendAsync(elsewhere), HttpStatusCode.Forbidden, "address_not_allowed");
        }
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/keys", """{"allowedIps":["not-an-ip"]}"""),
            HttpStatusCode.BadRequest, "allowed_ips_invalid");
    }

    [Fact]
    public async Task Self_service_rotation_keeps_the_old_secret_working_for_the_overlap_only()
    {
        var accountId = await OnboardAsync();
        var (keyId, oldSecret) = await NewPartnerKeyAsync(accountId, """{"scopes":["read"]}""");

        using (var rotate = ApiSilo.Signed(HttpMethod.Post, "v1/keys/self/rotate", """{"overlapSeconds":600}""", keyId, oldSecret))
        {
            var issued = await Problems.JsonAsync(await api.Http.SendAsync(rotate));
            var newSecret = issued.GetProperty("secret").GetString()!;
            Assert.NotEqual(oldSecret, newSecret);
            Assert.True(issued.GetProperty("key").GetProperty("overlapEndsAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(9));
            foreach (var secret in new[] { oldSecret, newSecret })
            {
                using var works = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, keyId, secret);
                Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(works)).StatusCode);
            }

            // Rotating again with no overlap ends both older secrets at once.
            using var again = ApiSilo.Signed(HttpMethod.Post, "v1/keys/self/rotate", """{"overlapSeconds":0}""", keyId, newSecret);
            var latest = (await Problems.JsonAsync(await api.Http.SendAsync(again))).GetProperty("secret").GetString()!;
            foreach (var secret in new[] { oldSecret, newSecret })
            {
                using var dead = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, keyId, secret);
                await Problems.AssertAsync(await api.Http.SendAsync(dead), HttpStatusCode.Unauthorized, "signature_invalid");
            }
            using var current = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, keyId, latest);
            Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(current)).StatusCode);

            using var tooLong = ApiSilo.Signed(HttpMethod.Post, "v1/keys/self/rotate", """{"overlapSeconds":99999999}""", keyId, latest);
            await Problems.AssertAsync(await api.Http.SendAsync(tooLong), HttpStatusCode.BadRequest, "overlap_invalid");
        }

        // The SDK rotates and carries on with the new secret.
        var sdk = new SharemintClient(api.Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = ApiSilo.DemoKeyId, Secret = api.DemoSecret });
        var (sdkKey, sdkSecret) = await NewPartnerKeyAsync("partner-demo");
        var client = new SharemintClient(api.Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = sdkKey, Secret = sdkSecret });
        var rotated = (await client.Keys.RotateAsync(TimeSpan.FromMinutes(5))).Value;
        Assert.Equal(sdkKey, rotated.Key.KeyId);
        Assert.Equal("partner-demo", (await client.Account.GetAsync()).Value.AccountId);
        Assert.NotNull((await client.Keys.GetSelfAsync()).Value.OverlapEndsAt);
        Assert.Equal("partner-demo", (await sdk.Account.GetAsync()).Value.AccountId);
    }

    [Fact]
    public async Task A_wallet_belongs_to_one_partner_on_a_chain()
    {
        var first = await OnboardAsync();
        var second = await OnboardAsync();
        var wallet = "0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "abcd1234";
        var body = $$"""{"chain":"ethereum","address":"{{wallet}}"}""";
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{first}/wallets", body));
        // The same wallet in another spelling is the same wallet.
        var upper = $$"""{"chain":"ethereum","address":"0x{{wallet[2..].ToUpperInvariant()}}"}""";
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{second}/wallets", upper), HttpStatusCode.Conflict, "wallet_held_by_another_account");
        Assert.Empty((await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, $"admin/v1/partners/{second}"))).GetProperty("wallets").EnumerateArray());

        // Another chain is another wallet; and once released, the wallet can move.
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{second}/wallets", $$"""{"chain":"base","address":"{{wallet}}"}"""));
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{first}/wallets/remove", body));
        var moved = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{second}/wallets", body));
        Assert.Equal(2, moved.GetProperty("wallets").GetArrayLength());
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{first}/wallets", body), HttpStatusCode.Conflict, "wallet_held_by_another_account");
    }

    [Fact]
    public async Task The_wallet_owner_migration_claims_single_holders_and_reports_shared_wallets()
    {
        await using var server = await PostgresServer.CreateAsync();
        var database = await server.CreateMigratedDatabaseAsync("owners");
        await using var data = NpgsqlDataSource.Create(database);
        await using (var seed = data.CreateCommand("""
            INSERT INTO orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, grain_id_hash, grain_type_hash, payload, version) VALUES
            ('s', 'account', 0, 0, 'alpha', 1, 1, convert_to('{"wallets":[{"chain":"ethereum","address":"0xaaa"},{"chain":"solana","address":"So1"}]}', 'UTF8'), 1),
            ('s', 'account', 0, 0, 'beta',  1, 1, convert_to('{"wallets":[{"chain":"ethereum","address":"0xaaa"},{"chain":"base","address":"0xbbb"}]}', 'UTF8'), 1)
            """))
        {
            await seed.ExecuteNonQueryAsync();
        }
        // Run the migration's script again over this data, as it runs on an existing installation.
        var script = Sharemint.Schema.SchemaMigrator.Migrations.Single(m => m.Name == "wallet_owners").Sql;
        await using var connection = await data.OpenConnectionAsync();
        var warnings = new List<string>();
        connection.Notice += (_, e) => warnings.Add(e.Notice.MessageText);
        await using (var migrate = new NpgsqlCommand(script, connection))
        {
            await migrate.ExecuteNonQueryAsync();
        }
        var owners = new Dictionary<string, string>();
        await using (var read = new NpgsqlCommand("SELECT chain || '/' || address, account_id FROM wallet_owners", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                owners[reader.GetString(0)] = reader.GetString(1);
            }
        }
        Assert.Equal(new Dictionary<string, string> { ["solana/So1"] = "alpha", ["base/0xbbb"] = "beta" }, owners);
        await using (var conflicts = new NpgsqlCommand("SELECT account_ids FROM wallet_owner_conflicts WHERE chain = 'ethereum' AND address = '0xaaa'", connection))
        {
            Assert.Equal(["alpha", "beta"], (string[])(await conflicts.ExecuteScalarAsync())!);
        }
        Assert.Contains(warnings, w => w.Contains("0xaaa", StringComparison.Ordinal) && w.Contains("alpha, beta", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_api_burns_only_from_wallets_whose_holder_proved_control()
    {
        var accountId = await OnboardAsync(approved: true);
        var (keyId, secret) = await NewPartnerKeyAsync(accountId);
        var evmKeyHex = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var evmWallet = EvmPrivateKey.FromHex(evmKeyHex).Address.ToString().ToLowerInvariant();
        var solanaKey = Keypair.Generate();
        var solanaWallet = solanaKey.PublicKey.ToString();
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/wallets", $$"""{"chain":"ethereum","address":"{{evmWallet}}"}"""));
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/wallets", $$"""{"chain":"solana","address":"{{solanaWallet}}"}"""));

        async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? json, string? idempotencyKey = null)
        {
            using var request = ApiSilo.Signed(method, path, json, keyId, secret, idempotencyKey: idempotencyKey);
            return await api.Http.SendAsync(request);
        }
        var redeem = $$"""{"symbol":"TSLAx","chain":"ethereum","wallet":"{{evmWallet}}","amount":1}""";
        var move = $$"""{"symbol":"TSLAx","fromChain":"solana","fromWallet":"{{solanaWallet}}","toChain":"ethereum","toWallet":"{{evmWallet}}","amount":1}""";
        await Problems.AssertAsync(await Send(HttpMethod.Post, "v1/orders/redeem", redeem, "consent-r1"), HttpStatusCode.Forbidden, "wallet_not_proven");
        await Problems.AssertAsync(await Send(HttpMethod.Post, "v1/transfers", move, "consent-t1"), HttpStatusCode.Forbidden, "wallet_not_proven");
        await Problems.AssertAsync(await Send(HttpMethod.Get, $"v1/orders/{SecurityTests.OrderIdFor(accountId, "consent-r1")}", null), HttpStatusCode.NotFound, "order_not_found");

        // The challenge names the account and the wallet; signatures are made by @noble/curves, not by our code.
        var evmChallenge = await Problems.JsonAsync(await Send(HttpMethod.Get, $"v1/account/wallets/challenge?chain=ethereum&address={evmWallet}", null));
        Assert.Equal("eip191-personal-sign", evmChallenge.GetProperty("scheme").GetString());
        var message = evmChallenge.GetProperty("message").GetString()!;
        Assert.Contains(accountId, message, StringComparison.Ordinal);
        var evmProof = await NobleSignAsync("evm", message, evmKeyHex);
        Assert.Equal(evmWallet, evmProof.Address);

        // A signature by another key, or over another message, is refused and records nothing.
        var stranger = await NobleSignAsync("evm", message, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        await Problems.AssertAsync(await Send(HttpMethod.Post, "v1/account/wallets/proof", $$"""{"chain":"ethereum","address":"{{evmWallet}}","signature":"{{stranger.Signature}}"}"""),
            HttpStatusCode.BadRequest, "wallet_proof_invalid");
        var otherMessage = await NobleSignAsync("evm", message.Replace(accountId, "partner-demo", StringComparison.Ordinal), evmKeyHex);
        await Problems.AssertAsync(await Send(HttpMethod.Post, "v1/account/wallets/proof", $$"""{"chain":"ethereum","address":"{{evmWallet}}","signature":"{{otherMessage.Signature}}"}"""),
            HttpStatusCode.BadRequest, "wallet_proof_invalid");
        await Problems.AssertAsync(await Send(HttpMethod.Post, "v1/orders/redeem", redeem, "consent-r2"), HttpStatusCode.Forbidden, "wallet_not_proven");

        var proven = await Problems.JsonAsync(await Send(HttpMethod.Post, "v1/account/wallets/proof", $$"""{"chain":"ethereum","address":"{{evmWallet}}","signature":"{{evmProof.Signature}}"}"""));
        Assert.Contains(proven.GetProperty("provenWallets").EnumerateArray(), w => w.GetProperty("address").GetString() == evmWallet);
        // Past the consent check now: whatever this silo says next (it has no TSLAx deployment), it is not wallet_not_proven.
        var afterProof = await Send(HttpMethod.Post, "v1/orders/redeem", redeem, "consent-r3");
        Assert.True((int)afterProof.StatusCode < 500, await afterProof.Content.ReadAsStringAsync());
        Assert.NotEqual("wallet_not_proven", (await Problems.JsonAsync(afterProof, afterProof.StatusCode)).GetProperty("code").GetString());

        var solanaChallenge = await Problems.JsonAsync(await Send(HttpMethod.Get, $"v1/account/wallets/challenge?chain=solana&address={solanaWallet}", null));
        Assert.Equal("ed25519", solanaChallenge.GetProperty("scheme").GetString());
        var solanaProof = await NobleSignAsync("solana", solanaChallenge.GetProperty("message").GetString()!, Convert.ToHexStringLower(solanaKey.SecretKey()[..32]));
        Assert.Equal(solanaWallet, solanaProof.Address);
        var both = await Problems.JsonAsync(await Send(HttpMethod.Post, "v1/account/wallets/proof", $$"""{"chain":"solana","address":"{{solanaWallet}}","signature":"{{solanaProof.Signature}}"}"""));
        Assert.Equal(2, both.GetProperty("provenWallets").GetArrayLength());
        var moveAfter = await Send(HttpMethod.Post, "v1/transfers", move, "consent-t2");
        Assert.True((int)moveAfter.StatusCode < 500, await moveAfter.Content.ReadAsStringAsync());
        Assert.NotEqual("wallet_not_proven", (await Problems.JsonAsync(moveAfter, moveAfter.StatusCode)).GetProperty("code").GetString());

        // Removing the wallet from the allow-list withdraws the consent with it.
        var removed = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/wallets/remove", $$"""{"chain":"ethereum","address":"{{evmWallet}}"}"""));
        Assert.DoesNotContain(removed.GetProperty("provenWallets").EnumerateArray(), w => w.GetProperty("address").GetString() == evmWallet);
    }

    [Theory]
    [InlineData("v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":790000000000000000000000}""", "amount_overflow")]
    [InlineData("v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":79228162514264337593543950335}""", "amount_overflow")]
    [InlineData("v1/quotes", """{"symbol":"TSLAx","side":"redeem","amount":-1}""", "amount_invalid")]
    [InlineData("v1/quotes", """{"symbol":"TSLAx","side":"redeem","amount":0}""", "amount_invalid")]
    [InlineData("v1/orders/redeem", """{"symbol":"TSLAx","chain":"ethereum","wallet":"0x00000000000000000000000000000000000000a1","amount":1e27}""", "amount_overflow")]
    [InlineData("v1/transfers", """{"symbol":"TSLAx","fromChain":"ethereum","fromWallet":"0x00000000000000000000000000000000000000a1","toChain":"base","toWallet":"0x00000000000000000000000000000000000000a1","amount":8e20}""", "amount_overflow")]
    public async Task Out_of_range_token_amounts_are_refused_with_a_code_on_every_route(string path, string body, string code)
    {
        var response = await api.PartnerAsync(HttpMethod.Post, path, body, "range-" + Guid.NewGuid().ToString("N"));
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, code, api.Silo.Output);
    }

    [Theory]
    [InlineData("admin/v1/partners/partner-demo/cash", "POST", """{"amount":79228162514264337593543950335}""", "amount_overflow")]
    [InlineData("admin/v1/prices/TSLA", "PUT", """{"price":79228162514264337593543950335}""", "price_invalid")]
    [InlineData("admin/v1/prices/TSLA", "PUT", """{"price":-3}""", "price_invalid")]
    [InlineData("admin/v1/partners", "POST", """{"accountId":"range-partner","displayName":"R","jurisdiction":"DE","maxOrderCash":1e28}""", "amount_overflow")]
    public async Task Out_of_range_cash_and_prices_are_refused_with_a_code(string path, string method, string body, string code)
    {
        var response = await api.AdminAsync(new HttpMethod(method), path, body, "range-" + Guid.NewGuid().ToString("N"));
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, code, api.Silo.Output);
    }

    [Fact]
    public async Task Nul_characters_in_strings_are_refused_before_they_reach_storage()
    {
        var id = "partner-" + Guid.NewGuid().ToString("N")[..10];
        var response = await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", $$"""{"accountId":"{{id}}","displayName":"Nul\u0000Exchange","jurisdiction":"DE"}""");
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "string_invalid");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, $"admin/v1/partners/{id}"), HttpStatusCode.NotFound, "account_not_found");
        // An escaped backslash followed by "u0000" is ordinary text.
        var text = await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", $$"""{"accountId":"{{id}}","displayName":"Back\\u0000slash","jurisdiction":"DE"}""");
        Assert.Equal(@"Back\u0000slash", (await Problems.JsonAsync(text, HttpStatusCode.Created)).GetProperty("displayName").GetString());
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/orders?account=%00x"), HttpStatusCode.BadRequest, "account_id_invalid");
    }

    [Fact]
    public async Task Metrics_and_dashboard_are_served_on_the_management_port_only()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.GetAsync("dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.GetAsync("METRICS")).StatusCode);

        using var management = api.Silo.CreateManagementHttpClient();
        var metrics = await management.GetStringAsync("metrics");
        Assert.Contains("sharemint_api_", metrics, StringComparison.Ordinal);
        // The runtime's own figures, for the operator asking whether CPU goes to orders or to GC and JIT.
        Assert.Contains("dotnet_gc_pause_time_seconds_total", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_jit_compilation_time_seconds_total", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("health/live")).StatusCode);
        // The partner API is not reachable through the management port.
        Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("v1/assets")).StatusCode);
    }

    private async Task<string> OnboardAsync(bool approved = false)
    {
        var id = "partner-" + Guid.NewGuid().ToString("N")[..10];
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", $$"""{"accountId":"{{id}}","displayName":"Hardening","jurisdiction":"DE"}"""), HttpStatusCode.Created);
        if (approved)
        {
            await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/kyc", """{"status":"approved"}"""));
        }
        return id;
    }

    private async Task<(string Id, string Secret)> NewPartnerKeyAsync(string accountId, string body = "{}")
    {
        var issued = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/keys", body), HttpStatusCode.Created);
        return (issued.GetProperty("key").GetProperty("keyId").GetString()!, issued.GetProperty("secret").GetString()!);
    }

    /// <summary>Signs a wallet challenge with @noble/curves (EIP-191 personal_sign on secp256k1, or Ed25519), as a wallet would.</summary>
    private static async Task<(string Address, string Signature)> NobleSignAsync(string family, string message, string privateKeyHex)
    {
        const string script = """
            const [family, messageB64, keyHex] = process.argv.slice(1);
            const message = Buffer.from(messageB64, 'base64');
            const bs58 = require('bs58'); const b58 = bs58.default || bs58;
            if (family === 'evm') {
              const { secp256k1 } = require('@noble/curves/secp256k1');
              const { keccak_256 } = require('@noble/hashes/sha3');
              const digest = keccak_256(Buffer.concat([Buffer.from('\x19Ethereum Signed Message:\n' + message.length), message]));
              const sig = secp256k1.sign(digest, keyHex);
              const pub = secp256k1.getPublicKey(keyHex, false).slice(1);
              const address = '0x' + Buffer.from(keccak_256(pub).slice(12)).toString('hex');
              console.log(JSON.stringify({ address, signature: '0x' + sig.toCompactHex() + (27 + sig.recovery).toString(16) }));
            } else {
              const { ed25519 } = require('@noble/curves/ed25519');
              const seed = Buffer.from(keyHex, 'hex');
              console.log(JSON.stringify({ address: b58.encode(ed25519.getPublicKey(seed)), signature: b58.encode(ed25519.sign(message, seed)) }));
            }
            """;
        var result = await ProcessRunner.RunAsync("node", ["-e", script, family, Convert.ToBase64String(Encoding.UTF8.GetBytes(message)), privateKeyHex],
            TimeSpan.FromSeconds(30), workingDirectory: Path.Combine(RepositoryPaths.Root, "devnet"));
        using var doc = JsonDocument.Parse(result.StandardOutput);
        return (doc.RootElement.GetProperty("address").GetString()!, doc.RootElement.GetProperty("signature").GetString()!);
    }
}
