using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Security;

/// <summary>An API key's record without its secret (what listings show).</summary>
public sealed record ApiKeyInfo(
    string KeyId, ApiKeyKind Kind, string? AccountId, OperatorRole? Role, string Label,
    DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt, DateTimeOffset? RevokedAt)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>A key with its secret in the clear: only ever returned once, to the caller that created or rotated it.</summary>
public sealed record IssuedApiKey(ApiKeyInfo Key, string Secret);

/// <summary>
/// API keys in PostgreSQL (<c>api_keys</c>). Secrets are generated here (32 random bytes), encrypted by
/// <see cref="SecretProtector"/> before they are written, and decrypted only to verify a signature.
/// </summary>
public sealed partial class ApiKeyStore(NpgsqlDataSource dataSource, SecretProtector protector)
{
    private const string Columns = "key_id, kind, account_id, role, label, created_at, rotated_at, revoked_at";

    /// <summary>Key ids are 3–64 characters of letters, digits, '-' and '_'.</summary>
    public static bool IsValidKeyId(string? keyId) => keyId is not null && KeyIdPattern().IsMatch(keyId);

    /// <summary>The key and its decrypted secret, or null for an unknown key.</summary>
    public async Task<(ApiKeyInfo Key, string Secret)?> FindWithSecretAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns}, secret_nonce, secret_ciphertext FROM api_keys WHERE key_id = @id");
        command.Parameters.AddWithValue("id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var info = Read(reader);
        var secret = protector.Decrypt(keyId, new EncryptedSecret((byte[])reader[8], (byte[])reader[9]));
        return (info, secret);
    }

    /// <summary>The key without its secret, or null.</summary>
    public async Task<ApiKeyInfo?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM api_keys WHERE key_id = @id");
        command.Parameters.AddWithValue("id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Keys, newest first; only one account's when <paramref name="accountId"/> is given.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string? accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
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

    /// <summary>Creates a partner key for an account; the secret is returned once.</summary>
    public Task<IssuedApiKey> CreatePartnerKeyAsync(string accountId, string label, CancellationToken cancellationToken) =>
        InsertAsync("pk_" + RandomHex(10), ApiKeyKind.Partner, accountId, null, label, NewSecret(), cancellationToken);

    /// <summary>Creates an operator key with a role; the secret is returned once.</summary>
    public Task<IssuedApiKey> CreateOperatorKeyAsync(OperatorRole role, string label, CancellationToken cancellationToken) =>
        InsertAsync("ok_" + RandomHex(10), ApiKeyKind.Operator, null, role, label, NewSecret(), cancellationToken);

    /// <summary>Replaces a key's secret (the old one stops working at once); the new secret is returned once.</summary>
    public async Task<IssuedApiKey> RotateAsync(string keyId, CancellationToken cancellationToken)
    {
        var secret = NewSecret();
        var encrypted = protector.Encrypt(keyId, secret);
        await using var command = dataSource.CreateCommand(
            $"UPDATE api_keys SET secret_nonce = @nonce, secret_ciphertext = @cipher, rotated_at = now() WHERE key_id = @id AND revoked_at IS NULL RETURNING {Columns}");
        command.Parameters.AddWithValue("id", keyId);
        command.Parameters.AddWithValue("nonce", encrypted.Nonce);
        command.Parameters.AddWithValue("cipher", encrypted.Ciphertext);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new IssuedApiKey(Read(reader), secret)
            : throw new ApiProblemException(StatusCodes.Status404NotFound, "key_not_found", $"No active key '{keyId}'.");
    }

    /// <summary>Revokes a key for good. Idempotent.</summary>
    public async Task<ApiKeyInfo> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
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
        await using var command = dataSource.CreateCommand("""
            INSERT INTO api_keys (key_id, kind, account_id, role, label, secret_nonce, secret_ciphertext)
            VALUES (@id, @kind, @account, @role, @label, @nonce, @cipher)
            ON CONFLICT (key_id) DO UPDATE SET kind = excluded.kind, account_id = excluded.account_id, role = excluded.role,
                label = excluded.label, secret_nonce = excluded.secret_nonce, secret_ciphertext = excluded.secret_ciphertext
            """);
        AddKeyParameters(command, keyId, kind, accountId, role, label, encrypted);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IssuedApiKey> InsertAsync(string keyId, ApiKeyKind kind, string? accountId, OperatorRole? role, string label, string secret, CancellationToken cancellationToken)
    {
        var encrypted = protector.Encrypt(keyId, secret);
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO api_keys (key_id, kind, account_id, role, label, secret_nonce, secret_ciphertext)
            VALUES (@id, @kind, @account, @role, @label, @nonce, @cipher) RETURNING {Columns}
            """);
        AddKeyParameters(command, keyId, kind, accountId, role, label, encrypted);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new IssuedApiKey(Read(reader), secret);
    }

    private static void AddKeyParameters(NpgsqlCommand command, string keyId, ApiKeyKind kind, string? accountId, OperatorRole? role, string label, EncryptedSecret encrypted)
    {
        command.Parameters.AddWithValue("id", keyId);
        command.Parameters.AddWithValue("kind", kind == ApiKeyKind.Partner ? "partner" : "operator");
        command.Parameters.AddWithValue("account", NpgsqlTypes.NpgsqlDbType.Text, (object?)accountId ?? DBNull.Value);
        command.Parameters.AddWithValue("role", NpgsqlTypes.NpgsqlDbType.Text, role is { } r ? RoleName(r) : DBNull.Value);
        command.Parameters.AddWithValue("label", label);
        command.Parameters.AddWithValue("nonce", encrypted.Nonce);
        command.Parameters.AddWithValue("cipher", encrypted.Ciphertext);
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

    private static ApiKeyInfo Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1) == "partner" ? ApiKeyKind.Partner : ApiKeyKind.Operator,
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : ParseRole(reader.GetString(3)),
        reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));

    private static string NewSecret() => "sk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    [GeneratedRegex("^[A-Za-z0-9_-]{3,64}$")]
    private static partial Regex KeyIdPattern();
}
