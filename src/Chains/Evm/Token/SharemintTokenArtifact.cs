using System.Text.Json;

namespace Sharemint.Chains.Evm;

/// <summary>
/// The compiled token contract (ABI and creation bytecode) as written by <c>npm run build</c> in <c>contracts/</c>
/// to <c>contracts/out/SharemintToken.json</c>. Reverts decode into the typed exceptions of <see cref="SharemintTokenErrors"/>.
/// </summary>
public sealed class SharemintTokenArtifact
{
    public const string FileName = "SharemintToken.json";

    /// <summary>Environment variable that may name the artifact file or the folder holding it.</summary>
    public const string PathVariable = "SHAREMINT_TOKEN_ARTIFACT";

    private SharemintTokenArtifact(ContractAbi abi, byte[] bytecode, string compiler)
    {
        Abi = abi;
        Bytecode = bytecode;
        Compiler = compiler;
    }

    public ContractAbi Abi { get; }
    public byte[] Bytecode { get; }
    public string Compiler { get; }

    /// <summary>Parses an artifact JSON; throws ArtifactMissing when required members are absent or malformed.</summary>
    public static SharemintTokenArtifact Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var abi = ContractAbi.Parse(root.GetProperty("abi"), SharemintTokenErrors.Translate);
            var bytecode = EvmHex.Decode(root.GetProperty("bytecode").GetString() ?? "");
            if (bytecode.Length == 0) throw new EvmException(EvmErrorCode.ArtifactMissing, "the artifact has empty bytecode");
            var compiler = root.TryGetProperty("compiler", out var c) ? c.GetString() ?? "" : "";
            return new SharemintTokenArtifact(abi, bytecode, compiler);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new EvmException(EvmErrorCode.ArtifactMissing, $"not a token artifact: {e.Message}", e);
        }
    }

    public static SharemintTokenArtifact Load(string path)
    {
        if (!File.Exists(path)) throw new EvmException(EvmErrorCode.ArtifactMissing, $"token artifact not found at {path}: run 'npm ci && npm run build' in contracts/");
        return Parse(File.ReadAllText(path));
    }

    /// <summary>
    /// Finds the artifact: the <see cref="PathVariable"/> environment variable if set, else <c>contracts/out/SharemintToken.json</c>
    /// in <paramref name="startDirectory"/> (default: the application's base directory) or any parent. Throws ArtifactMissing with
    /// the build step to run when absent.
    /// </summary>
    public static SharemintTokenArtifact Locate(string? startDirectory = null)
    {
        var configured = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(configured))
            return Load(Directory.Exists(configured) ? Path.Combine(configured, FileName) : configured);
        for (var directory = new DirectoryInfo(startDirectory ?? AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "contracts", "out", FileName);
            if (File.Exists(candidate)) return Load(candidate);
            if (Directory.Exists(Path.Combine(directory.FullName, "contracts", "src")))
                throw new EvmException(EvmErrorCode.ArtifactMissing, $"{candidate} is missing: run 'npm ci && npm run build' in {Path.Combine(directory.FullName, "contracts")}");
        }
        throw new EvmException(EvmErrorCode.ArtifactMissing, $"no contracts/out/{FileName} above {startDirectory ?? AppContext.BaseDirectory}; set {PathVariable} or run 'npm run build' in contracts/");
    }
}
