using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Security;

/// <summary>What a partner key may do; operator keys are governed by their role instead.</summary>
[Flags]
public enum ApiScope
{
    None = 0,

    /// <summary>Read the account, quotes and orders.</summary>
    Read = 1,

    /// <summary>Quote, mint, redeem, cancel, prove wallets.</summary>
    Trade = 2,

    /// <summary>Move tokens out of a wallet to another wallet or chain (transfers).</summary>
    Withdraw = 4,

    All = Read | Trade | Withdraw,
}

/// <summary>An API key's record without its secret (what listings show).</summary>
public sealed record ApiKeyInfo(
    string KeyId, ApiKeyKind Kind, string? AccountId, OperatorRole? Role, string Label,
    DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt, DateTimeOffset? RevokedAt,
    ApiScope Scopes, IReadOnlyList<IPNetwork> AllowedNetworks, DateTimeOffset? PreviousSecretExpiresAt)
{
    public bool IsRevoked => RevokedAt is not null;

    /// <summary>Whether requests from <paramref name="address"/> may use this key (any address when no list is set).</summary>
    public bool AllowsAddress(IPAddress? address)
    {
        if (AllowedNetworks.Count == 0)
        {
            return true;
        }
        if (address is null)
        {
            return false;
        }
        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return AllowedNetworks.Any(n => n.Contains(normalized));
    }
}

/// <summary>A key with its secret in the clear: only ever returned once, to the caller that created or rotated it.</summary>
public sealed record IssuedApiKey(ApiKeyInfo Key, string Secret);

/// <summary>A key with the secrets that currently verify its signatures (the previous one only during a rotation overlap).</summary>
public sealed record ApiKeyCredentials(ApiKeyInfo Key, string Secret, string? PreviousSecret, DateTimeOffset? PreviousExpiresAt)
{
    /// <summary>The secrets that verify a signature at <paramref name="now"/>, current first.</summary>
    public IEnumerable<string> SecretsAt(DateTimeOffset now)
    {
        yield return Secret;
        if (PreviousSecret is not null && PreviousExpiresAt > now)
        {
            yield return PreviousSecret;
        }
    }
}

/// <summary>
/// API keys in PostgreSQL (<c>api_keys</c>). Secrets are generated here (32 random bytes), encrypted by
/// <see cref="SecretProtector"/> before they are written, and decrypted only to verify a signature. Every command goes
/// through <see cref="ApiDatabaseCounter"/>, so the database work the API's security does is measurable.
/// </summary>
public sealed partial class ApiKeyStore(NpgsqlDataSource dataSource, SecretProtector protector, ApiDatabaseCounter counter)
{
    private const string Columns = "key_id, kind, account_id, role, label, created_at, rotated_at, revoked_at, scopes, allowed_cidrs, previous_expires_at";

    /// <summary>Key ids are 3–64 characters of letters, digits, '-' and '_'.</summary>
    public static bool IsValidKeyId(string? keyId) => keyId is not null && KeyIdPattern().IsMatch(keyId);

    /// <summary>The key and its decrypted secrets, or null for an unknown key.</summary>
    public async Task<ApiKeyCredentials?> FindWithSecretAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {Columns}, secret_nonce, secret_ciphertext, previous_secret_nonce, previous_secret_ciphertext FROM api_keys WHERE key_id = @id");
        command.Parameters.AddWithValue("id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var info = Read(reader);
        var secret = protector.Decrypt(keyId, new EncryptedSecret((byte[])reader[11], (byte[])reader[12]));
        var previous = reader.IsDBNull(13) ? null : protector.Decrypt(keyId, new EncryptedSecret((byte[])reader[13], (byte[])reader[14]));
        return new ApiKeyCredentials(info, secret, previous, info.PreviousSecretExpiresAt);
    }

    /// <summary>The key without its secret, or null.</summary>
    public async Task<ApiKeyInfo?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {Columns} FROM api_keys WHERE key_id = @id");
        command.Parameters.AddWithValue("id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Keys, newest first; only one account's when <paramref name="accountId"/> is given.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string? accountId, CancellationToken cancellationToken)
    {
        await using var command = Command(
            $"SELECT {Columns} FROM api_keys WHERE (@account::text IS NULL OR account_id = @account) ORDER BY created_at DESC, key_id");
        command.Parameters.AddWithValue("account", NpgsqlTypes.NpgsqlDbType.Text, (object?)accountId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
        }
        return keys;
    }

    /// <summary>Creates a partner key for an account with its scopes and address allow-list; the secret is returned once.</summary>
    public Task<IssuedApiKey> CreatePartnerKeyAsync(string accountId, string label, ApiScope scopes, IReadOnlyList<IPNetwork> allowed, CancellationToken cancellationToken) =>
        InsertAsync("pk_" + RandomHex(10), ApiKeyKind.Partner, accountId, null, label, NewSecret(), scopes, allowed, cancellationToken);

    /// <summary>Creates an operator key with a role; the secret is returned once.</summary>
    public Task<IssuedApiKey> CreateOperatorKeyAsync(OperatorRole role, string label, IReadOnlyList<IPNetwork> allowed, CancellationToken cancellationToken) =>
        InsertAsync("ok_" + RandomHex(10), ApiKeyKind.Operator, null, role, label, NewSecret(), ApiScope.All, allowed, cancellationToken);

    /// <summary>
    /// Replaces a key's secret; the new secret is returned once. With a positive <paramref name="overlap"/> the old secret
    /// keeps verifying signatures until then (so a fleet of partner servers can switch over); with zero it dies at once.
    /// A rotation during an overlap ends the earlier overlap: at most two secrets are ever valid.
    /// </summary>
    public async Task<IssuedApiKey> RotateAsync(string keyId, TimeSpan overlap, CancellationToken cancellationToken)
    {
        var secret = NewSecret();
        var encrypted = protector.Encrypt(keyId, secret);
        await using var command = Command($"""
            UPDATE api_keys SET
                previous_secret_nonce      = CASE WHEN @overlap > interval '0' THEN secret_nonce END,
                previous_secret_ciphertext = CASE WHEN @overlap > interval '0' THEN secret_ciphertext END,
                previous_expires_at        = CASE WHEN @overlap > interval '0' THEN now() + @overlap END,
                secret_nonce = @nonce, secret_ciphertext = @cipher, rotated_at = now()
             WHERE key_id = @id AND revoked_at IS NULL RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("id", keyId);
        command.Parameters.AddWithValue("overlap", overlap);
        command.Parameters.AddWithValue("nonce", encrypted.Nonce);
        command.Parameters.AddWithValue("cipher", encrypted.Ciphertext);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new IssuedApiKey(Read(reader), secret)
            : throw new ApiProblemException(StatusCodes.Status404NotFound, "key_not_found", $"No active key '{keyId}'.");
    }

    /// <summary>Revokes a key for good (both secrets). Idempotent.</summary>
    public async Task<ApiKeyInfo> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = Command(
            $"UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = @id RETURNING {Columns}");
        command.Parameters.AddWithValue("id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? Read(reader)
            : throw new ApiProblemException(StatusCodes.Status404NotFound, "key_not_found", $"No key '{keyId}'.");
    }

    /// <summary>Creates a key with a given id and secret, or re-keys it (configuration bootstrap; the configuration wins).</summary>
    public async Task UpsertConfiguredAsync(string keyId, string secret, ApiKeyKind kind, string? accountId, OperatorRole? role, string label, CancellationToken cancellationToken)
    {
        if (!IsValidKeyId(keyId) || secret.Length < 16)
        {
            throw new InvalidOperationException($"Configured API key '{keyId}' needs an id of 3-64 letters, digits, '-' or '_' and a secret of at least 16 characters.");
        }
        var encrypted = protector.Encrypt(keyId, secret);
        await using var command = Command("""
            INSERT INTO api_keys (key_id, kind, account_id, role, label, secret_nonce, secret_ciphertext, scopes, allowed_cidrs)
            VALUES (@id, @kind, @account, @role, @label, @nonce, @cipher, @scopes, @cidrs)
            ON CONFLICT (key_id) DO UPDATE SET kind = excluded.kind, account_id = excluded.account_id, role = excluded.role,
                label = excluded.label, secret_nonce = excluded.secret_nonce, secret_ciphertext = excluded.secret_ciphertext,
                previous_secret_nonce = NULL, previous_secret_ciphertext = NULL, previous_expires_at = NULL
            """);
        AddKeyParameters(command, keyId, kind, accountId, role, label, encrypted, ApiScope.All, []);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IssuedApiKey> InsertAsync(string keyId, ApiKeyKind kind, string? accountId, OperatorRole? role, string label, string secret,
        ApiScope scopes, IReadOnlyList<IPNetwork> allowed, CancellationToken cancellationToken)
    {
        var encrypted = protector.Encrypt(keyId, secret);
        await using var command = Command($"""
            INSERT INTO api_keys (key_id, kind, account_id, role, label, secret_nonce, secret_ciphertext, scopes, allowed_cidrs)
            VALUES (@id, @kind, @account, @role, @label, @nonce, @cipher, @scopes, @cidrs) RETURNING {Columns}
            """);
        AddKeyParameters(command, keyId, kind, accountId, role, label, encrypted, scopes, allowed);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new IssuedApiKey(Read(reader), secret);
    }

    private NpgsqlCommand Command(string sql)
    {
        counter.Count();
        return dataSource.CreateCommand(sql);
    }

    private static void AddKeyParameters(NpgsqlCommand command, string keyId, ApiKeyKind kind, string? accountId, OperatorRole? role, string label,
        EncryptedSecret encrypted, ApiScope scopes, IReadOnlyList<IPNetwork> allowed)
    {
        command.Parameters.AddWithValue("id", keyId);
        command.Parameters.AddWithValue("kind", kind == ApiKeyKind.Partner ? "partner" : "operator");
        command.Parameters.AddWithValue("account", NpgsqlTypes.NpgsqlDbType.Text, (object?)accountId ?? DBNull.Value);
        command.Parameters.AddWithValue("role", NpgsqlTypes.NpgsqlDbType.Text, role is { } r ? RoleName(r) : DBNull.Value);
        command.Parameters.AddWithValue("label", label);
        command.Parameters.AddWithValue("nonce", encrypted.Nonce);
        command.Parameters.AddWithValue("cipher", encrypted.Ciphertext);
        command.Parameters.AddWithValue("scopes", ScopeNames(scopes));
        command.Parameters.AddWithValue("cidrs", allowed.Select(n => n.ToString()).ToArray());
    }

    /// <summary>The stored and API spelling of a role.</summary>
    public static string RoleName(OperatorRole role) => role switch
    {
        OperatorRole.Viewer => "viewer",
        OperatorRole.Operator => "operator",
        _ => "admin",
    };

    /// <summary>Parses a role name; 400 <c>role_invalid</c> otherwise.</summary>
    public static OperatorRole ParseRole(string? role) => role switch
    {
        "viewer" => OperatorRole.Viewer,
        "operator" => OperatorRole.Operator,
        "admin" => OperatorRole.Admin,
        _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, "role_invalid", "Role must be viewer, operator or admin."),
    };

    /// <summary>The stored and API spelling of scopes.</summary>
    public static string[] ScopeNames(ApiScope scopes) =>
        [.. new[] { (ApiScope.Read, "read"), (ApiScope.Trade, "trade"), (ApiScope.Withdraw, "withdraw") }.Where(s => scopes.HasFlag(s.Item1)).Select(s => s.Item2)];

    /// <summary>Parses scope names (all three when none are given); 400 <c>scope_invalid</c> for an unknown or empty list.</summary>
    public static ApiScope ParseScopes(IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return ApiScope.All;
        }
        var scopes = ApiScope.None;
        foreach (var name in names)
        {
            scopes |= name switch
            {
                "read" => ApiScope.Read,
                "trade" => ApiScope.Trade,
                "withdraw" => ApiScope.Withdraw,
                _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, "scope_invalid", "Scopes are read, trade and withdraw."),
            };
        }
        return scopes == ApiScope.None
            ? throw new ApiProblemException(StatusCodes.Status400BadRequest, "scope_invalid", "A key needs at least one scope: read, trade or withdraw.")
            : scopes;
    }

    /// <summary>Parses an address allow-list of IPs and CIDR ranges (at most 32); 400 <c>allowed_ips_invalid</c> otherwise.</summary>
    public static IReadOnlyList<IPNetwork> ParseNetworks(IReadOnlyList<string>? entries)
    {
        if (entries is null)
        {
            return [];
        }
        if (entries.Count > 32)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "allowed_ips_invalid", "At most 32 allowed addresses or ranges.");
        }
        var networks = new List<IPNetwork>();
        foreach (var entry in entries)
        {
            if (entry is { Length: > 0 and <= 64 } && IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (entry is { Length: > 0 and <= 64 } && IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "allowed_ips_invalid",
                    "Allowed addresses are IPs or CIDR ranges such as 203.0.113.7 or 203.0.113.0/24.");
            }
        }
        return networks;
    }

    private static ApiKeyInfo Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1) == "partner" ? ApiKeyKind.Partner : ApiKeyKind.Operator,
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : ParseRole(reader.GetString(3)),
        reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        ParseScopes(reader.GetFieldValue<string[]>(8)),
        ParseNetworks(reader.GetFieldValue<string[]>(9)),
        reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10));

    private static string NewSecret() => "sk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    [GeneratedRegex("^[A-Za-z0-9_-]{3,64}$")]
    private static partial Regex KeyIdPattern();
}
