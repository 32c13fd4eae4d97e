using Sharemint.Fixtures;
using System.Net;
using System.Text;
using Npgsql;
using Sharemint.Client.Http;

namespace Sharemint.Api.Tests;

/// <summary>Each security rule of the API against a real silo: every test fails if its rule is removed.</summary>
public sealed class SecurityTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    [Fact]
    public async Task Unsigned_request_is_refused_and_the_signed_one_passes()
    {
        var unsigned = await api.Http.GetAsync("v1/account");
        await Problems.AssertAsync(unsigned, HttpStatusCode.Unauthorized, "signature_missing");

        var signed = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, "v1/account"));
        Assert.Equal("partner-demo", signed.GetProperty("accountId").GetString());
        Assert.Equal("approved", signed.GetProperty("kyc").GetString());
        Assert.Equal(1_000_000m, signed.GetProperty("cashBalance").GetAmount());
    }

    [Fact]
    public async Task Bad_signature_wrong_secret_or_tampered_body_is_refused()
    {
        using var wrongSecret = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, "sk_not_the_secret_at_all");
        await Problems.AssertAsync(await api.Http.SendAsync(wrongSecret), HttpStatusCode.Unauthorized, "signature_invalid");

        // Signed for one body, sent with another: the body hash is part of the signature.
        using var tampered = ApiSilo.Signed(HttpMethod.Post, "admin/v1/partners/partner-demo/cash", """{"amount":1000000}""",
            ApiSilo.AdminKeyId, api.AdminSecret, idempotencyKey: "tamper-1", signWithBody: """{"amount":1}""");
        await Problems.AssertAsync(await api.Http.SendAsync(tampered), HttpStatusCode.Unauthorized, "signature_invalid");

        // Signed for one path, sent to another.
        using var moved = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret);
        moved.RequestUri = new Uri("v1/orders", UriKind.Relative);
        await Problems.AssertAsync(await api.Http.SendAsync(moved), HttpStatusCode.Unauthorized, "signature_invalid");

        // An unknown key gets the same answer as a bad signature: the API does not say which key ids exist.
        using var unknownKey = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, "pk_nobody", api.DemoSecret);
        await Problems.AssertAsync(await api.Http.SendAsync(unknownKey), HttpStatusCode.Unauthorized, "signature_invalid");

        var account = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, "v1/account"));
        Assert.Equal(1_000_000m, account.GetProperty("cashBalance").GetAmount());
    }

    [Fact]
    public async Task Timestamps_outside_the_skew_window_are_refused()
    {
        using var old = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret, at: DateTimeOffset.UtcNow.AddMinutes(-6));
        await Problems.AssertAsync(await api.Http.SendAsync(old), HttpStatusCode.Unauthorized, "timestamp_expired");

        using var future = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret, at: DateTimeOffset.UtcNow.AddMinutes(6));
        await Problems.AssertAsync(await api.Http.SendAsync(future), HttpStatusCode.Unauthorized, "timestamp_expired");

        using var withinWindow = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ApiSilo.DemoKeyId, api.DemoSecret, at: DateTimeOffset.UtcNow.AddMinutes(-4));
        Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(withinWindow)).StatusCode);
    }

    [Fact]
    public async Task A_replayed_signature_is_refused()
    {
        var at = DateTimeOffset.UtcNow;
        var nonce = RequestSigner.NewNonce();
        using var first = ApiSilo.Signed(HttpMethod.Get, "v1/account?replay=1", null, ApiSilo.DemoKeyId, api.DemoSecret, at: at, nonce: nonce);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(first)).StatusCode);

        using var again = ApiSilo.Signed(HttpMethod.Get, "v1/account?replay=1", null, ApiSilo.DemoKeyId, api.DemoSecret, at: at, nonce: nonce);
        await Problems.AssertAsync(await api.Http.SendAsync(again), HttpStatusCode.Unauthorized, "signature_replayed");

        // The guard is the database table every silo shares.
        await using var data = NpgsqlDataSource.Create(api.ConnectionString);
        await using var count = data.CreateCommand("SELECT count(*) FROM api_request_nonces WHERE key_id = @k");
        count.Parameters.AddWithValue("k", ApiSilo.DemoKeyId);
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task Partner_keys_are_refused_on_admin_routes_and_operator_keys_on_partner_routes()
    {
        await Problems.AssertAsync(await api.PartnerAsync(HttpMethod.Get, "admin/v1/partners"), HttpStatusCode.Forbidden, "operator_key_required");
        await Problems.AssertAsync(await api.PartnerAsync(HttpMethod.Post, "admin/v1/partners/partner-demo/cash", """{"amount":5}""", "self-credit"),
            HttpStatusCode.Forbidden, "operator_key_required");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, "v1/account"), HttpStatusCode.Forbidden, "partner_key_required");

        var account = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, "v1/account"));
        Assert.Equal(1_000_000m, account.GetProperty("cashBalance").GetAmount());
    }

    [Fact]
    public async Task Operator_roles_are_ordered_viewer_operator_admin()
    {
        var viewer = await IssueOperatorKeyAsync("viewer");
        var @operator = await IssueOperatorKeyAsync("operator");

        using (var read = ApiSilo.Signed(HttpMethod.Get, "admin/v1/partners", null, viewer.Id, viewer.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(read)).StatusCode);
        }
        using (var pause = ApiSilo.Signed(HttpMethod.Post, "admin/v1/assets/GLDx/pause", """{"scope":"mint"}""", viewer.Id, viewer.Secret))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(pause), HttpStatusCode.Forbidden, "role_insufficient");
        }
        var gold = await Problems.JsonAsync(await api.Http.GetAsync("v1/assets/GLDx"));
        Assert.Equal("active", gold.GetProperty("status").GetString());

        using (var pause = ApiSilo.Signed(HttpMethod.Post, "admin/v1/assets/GLDx/pause", """{"scope":"mint"}""", @operator.Id, @operator.Secret))
        {
            Assert.Equal("mint_paused", (await Problems.JsonAsync(await api.Http.SendAsync(pause))).GetProperty("status").GetString());
        }
        using (var resume = ApiSilo.Signed(HttpMethod.Post, "admin/v1/assets/GLDx/resume", null, @operator.Id, @operator.Secret))
        {
            Assert.Equal("active", (await Problems.JsonAsync(await api.Http.SendAsync(resume))).GetProperty("status").GetString());
        }
        // Operator keys are managed by admins only.
        using (var escalate = ApiSilo.Signed(HttpMethod.Post, "admin/v1/keys", """{"role":"admin"}""", @operator.Id, @operator.Secret))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(escalate), HttpStatusCode.Forbidden, "role_insufficient");
        }
        using (var rotateAdmin = ApiSilo.Signed(HttpMethod.Post, $"admin/v1/keys/{ApiSilo.AdminKeyId}/rotate", null, @operator.Id, @operator.Secret))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(rotateAdmin), HttpStatusCode.Forbidden, "role_insufficient");
        }
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_413()
    {
        var huge = "{\"amount\":1,\"padding\":\"" + new string('x', 20_000) + "\"}";
        var response = await api.AdminAsync(HttpMethod.Post, "admin/v1/partners/partner-demo/cash", huge, "big-1");
        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // Without a Content-Length (chunked), the limit still holds while reading a signed request's body.
        using var chunked = ApiSilo.Signed(HttpMethod.Post, "admin/v1/partners/partner-demo/cash", huge, ApiSilo.AdminKeyId, api.AdminSecret, idempotencyKey: "big-2");
        chunked.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        chunked.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        await Problems.AssertAsync(await api.Http.SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // An unsigned chunked body is not even read: the missing signature is refused first.
        using var unsigned = new HttpRequestMessage(HttpMethod.Post, "admin/v1/partners/partner-demo/cash")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))),
        };
        unsigned.Headers.TransferEncodingChunked = true;
        await Problems.AssertAsync(await api.Http.SendAsync(unsigned), HttpStatusCode.Unauthorized, "signature_missing");
    }

    [Theory]
    [InlineData("""{"amount": 10,""", "malformed_json")]
    [InlineData("""not json""", "malformed_json")]
    [InlineData("""{"amount": 10, "currency": "EUR"}""", "unknown_field")]
    [InlineData("""{"amount": 1e400}""", "number_out_of_range")]
    [InlineData("""{"amount": 123456789012345678901234567890123}""", "number_out_of_range")]
    [InlineData("""{"amount": "ten"}""", "number_out_of_range")]
    [InlineData("""{"amount": "10 USD"}""", "number_out_of_range")]
    [InlineData("""{}""", "field_required")]
    [InlineData("""{"amount": 10, "amount": 20}""", "malformed_json")]
    public async Task Bad_bodies_are_refused_with_a_code_and_change_nothing(string body, string code)
    {
        var before = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/partners/partner-demo"));
        var response = await api.AdminAsync(HttpMethod.Post, "admin/v1/partners/partner-demo/cash", body, "bad-body-" + Guid.NewGuid().ToString("N"));
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, code);
        var after = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/partners/partner-demo"));
        Assert.Equal(before.GetProperty("cashBalance").GetAmount(), after.GetProperty("cashBalance").GetAmount());
    }

    [Fact]
    public async Task Amounts_as_strings_keep_8_decimals_exactly_and_numbers_are_still_accepted()
    {
        var asString = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Post, "v1/quotes",
            """{"symbol":"TSLAx","side":"mint","amount":"12345678.12345678"}""", "string-amount"), HttpStatusCode.Created);
        Assert.Equal(1_234_567_812_345_678, asString.GetProperty("amountUnits").GetUnits());
        // The answer writes the amount with every decimal (a double would have rounded it to 12345678.123456780).
        Assert.Equal("12345678.12345678", asString.GetProperty("amount").GetRawText().Trim('"'));
        var asNumber = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Post, "v1/quotes",
            """{"symbol":"TSLAx","side":"mint","amount":0.00000001}""", "number-amount"), HttpStatusCode.Created);
        Assert.Equal(1, asNumber.GetProperty("amountUnits").GetUnits());
        var dust = await api.PartnerAsync(HttpMethod.Post, "v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":"0.000000001"}""", "string-dust");
        await Problems.AssertAsync(dust, HttpStatusCode.UnprocessableEntity, "amount_has_dust");
    }

    [Fact]
    public async Task Huge_token_amounts_are_refused()
    {
        // Fits a decimal, not the ledger's 64-bit canonical units.
        var quote = await api.PartnerAsync(HttpMethod.Post, "v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":1000000000000000}""", "huge-quote");
        await Problems.AssertAsync(quote, HttpStatusCode.BadRequest, "amount_overflow", api.Silo.Output);
        var dust = await api.PartnerAsync(HttpMethod.Post, "v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":0.000000001}""", "dust-quote");
        await Problems.AssertAsync(dust, HttpStatusCode.UnprocessableEntity, "amount_has_dust");
    }

    [Fact]
    public async Task Money_moving_posts_need_an_idempotency_key_and_apply_once()
    {
        var accountId = await OnboardAsync();
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/cash", """{"amount":250.50}"""),
            HttpStatusCode.BadRequest, "idempotency_key_required");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/cash", """{"amount":250.50}""", "bad key!"),
            HttpStatusCode.BadRequest, "idempotency_key_invalid");

        for (var i = 0; i < 3; i++)
        {
            var credited = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/cash", """{"amount":250.50}""", "deposit-42"));
            Assert.Equal(250.50m, credited.GetProperty("cashBalance").GetAmount());
        }
        // Same key, different amount: the same operation with other arguments.
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/cash", """{"amount":999}""", "deposit-42"),
            HttpStatusCode.Conflict, "idempotency_conflict");
        await Problems.AssertAsync(await api.PartnerAsync(HttpMethod.Post, "v1/orders/mint", """{"quoteId":"q_x","chain":"ethereum","wallet":"0x1"}"""),
            HttpStatusCode.BadRequest, "idempotency_key_required");
    }

    [Fact]
    public async Task Rate_limit_answers_429_with_retry_after_per_key()
    {
        var partner = await OnboardAsync();
        var key = await IssuePartnerKeyAsync(partner);
        var requests = Enumerable.Range(0, ApiSilo.RateLimitBurst + 30).Select(async i =>
        {
            using var request = ApiSilo.Signed(HttpMethod.Get, $"v1/account?n={i}", null, key.Id, key.Secret);
            return await api.Http.SendAsync(request);
        });
        var responses = await Task.WhenAll(requests);
        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.NotEmpty(limited);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        await Problems.AssertAsync(limited[0], HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));

        // Another key's budget is its own.
        Assert.Equal(HttpStatusCode.OK, (await api.PartnerAsync(HttpMethod.Get, "v1/account?other=1")).StatusCode);
    }

    [Fact]
    public async Task Secrets_are_stored_encrypted_shown_once_rotatable_and_revocable()
    {
        var partner = await OnboardAsync();
        var key = await IssuePartnerKeyAsync(partner);
        Assert.StartsWith("pk_", key.Id, StringComparison.Ordinal);

        await using (var data = NpgsqlDataSource.Create(api.ConnectionString))
        {
            await using var read = data.CreateCommand("SELECT row_to_json(k)::text, secret_ciphertext FROM api_keys k WHERE key_id = @k");
            read.Parameters.AddWithValue("k", key.Id);
            await using var reader = await read.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            var row = reader.GetString(0);
            var ciphertext = (byte[])reader[1];
            Assert.DoesNotContain(key.Secret, row, StringComparison.Ordinal);
            Assert.DoesNotContain(key.Secret[3..20], row, StringComparison.Ordinal);
            Assert.Equal(-1, ciphertext.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key.Secret)));
            Assert.Equal(Encoding.UTF8.GetByteCount(key.Secret) + 16, ciphertext.Length); // AES-GCM: plaintext length + tag
        }

        // Listings never show a secret.
        var listing = await (await api.AdminAsync(HttpMethod.Get, $"admin/v1/partners/{partner}/keys")).Content.ReadAsStringAsync();
        Assert.Contains(key.Id, listing, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Secret, listing, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", listing, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(key.Secret, api.Silo.Output, StringComparison.Ordinal);

        using (var works = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, key.Id, key.Secret))
        {
            Assert.Equal(partner, (await Problems.JsonAsync(await api.Http.SendAsync(works))).GetProperty("accountId").GetString());
        }
        var rotated = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/keys/{key.Id}/rotate"));
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(key.Secret, newSecret);
        using (var old = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, key.Id, key.Secret))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(old), HttpStatusCode.Unauthorized, "signature_invalid");
        }
        using (var fresh = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, key.Id, newSecret))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(fresh)).StatusCode);
        }
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/keys/{key.Id}/revoke"));
        using (var revoked = ApiSilo.Signed(HttpMethod.Get, "v1/account", null, key.Id, newSecret))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(revoked), HttpStatusCode.Unauthorized, "signature_invalid");
        }
    }

    [Fact]
    public async Task Another_partners_order_id_is_not_found_like_a_missing_one()
    {
        var stranger = OrderIdFor("partner-stranger", "k1");
        await Problems.AssertAsync(await api.PartnerAsync(HttpMethod.Get, $"v1/orders/{stranger}"), HttpStatusCode.NotFound, "order_not_found");
        await Problems.AssertAsync(await api.PartnerAsync(HttpMethod.Post, $"v1/orders/{stranger}/cancel"), HttpStatusCode.NotFound, "order_not_found");
        await Problems.AssertAsync(await api.PartnerAsync(HttpMethod.Get, "v1/orders/not-an-order"), HttpStatusCode.NotFound, "order_not_found");
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_problem_json()
    {
        await Problems.AssertAsync(await api.Http.GetAsync("v1/nothing-here"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await api.Http.DeleteAsync("v1/assets"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await Problems.AssertAsync(await api.Http.GetAsync("v1/assets/NOPEx"), HttpStatusCode.NotFound, "asset_not_found");
    }

    internal static string OrderIdFor(string account, string key) => Sharemint.Orders.OrderIds.FromIdempotencyKey(account, key);

    private async Task<string> OnboardAsync()
    {
        var id = "partner-" + Guid.NewGuid().ToString("N")[..10];
        var body = $$"""{"accountId":"{{id}}","displayName":"Test Exchange","jurisdiction":"DE"}""";
        var created = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", body), HttpStatusCode.Created);
        Assert.Equal("pending", created.GetProperty("kyc").GetString());
        return id;
    }

    private async Task<(string Id, string Secret)> IssuePartnerKeyAsync(string accountId)
    {
        var issued = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/keys", """{"label":"test"}"""), HttpStatusCode.Created);
        return (issued.GetProperty("key").GetProperty("keyId").GetString()!, issued.GetProperty("secret").GetString()!);
    }

    private async Task<(string Id, string Secret)> IssueOperatorKeyAsync(string role)
    {
        var issued = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/keys", $$"""{"role":"{{role}}"}"""), HttpStatusCode.Created);
        Assert.Equal(role, issued.GetProperty("key").GetProperty("role").GetString());
        return (issued.GetProperty("key").GetProperty("keyId").GetString()!, issued.GetProperty("secret").GetString()!);
    }
}
