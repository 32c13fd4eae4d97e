using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using Sharemint.Compliance;
using Sharemint.Errors;
using SolanaKeypair = Sharemint.Chains.Solana.Keypair;

namespace Sharemint.Signers;

/// <summary>
/// One chain the silo may sign on, bound from <c>Sharemint:Chains:{chain id}</c>. Secrets (<see cref="PrivateKey"/>,
/// <see cref="Keypair"/>) belong in a secret store / environment variables, never in files in the repository.
/// </summary>
public sealed class ChainOptions
{
    /// <summary>The configuration section holding one child per chain id.</summary>
    public const string SectionName = "Sharemint:Chains";

    /// <summary><c>evm</c>, <c>solana</c> or <c>tron</c>; must match the chain id's family.</summary>
    public string Family { get; set; } = "";

    /// <summary>The node's JSON-RPC URL (http or https); Tron: the full node's HTTP API base (e.g. <c>http://127.0.0.1:18090</c>).</summary>
    public string RpcUrl { get; set; } = "";

    /// <summary>EVM: the EIP-155 chain id the node must serve.</summary>
    public ulong ChainId { get; set; }

    /// <summary>
    /// Further RPC URLs of the same chain (other providers), comma-separated, on every family. A transport failure or a
    /// provider that keeps answering 429/503 moves the client to the next one. Empty: <see cref="RpcUrl"/> only.
    /// </summary>
    public string? FallbackRpcUrls { get; set; }

    /// <summary>EVM: the most a fee replacement may offer per gas, in gwei (a replacement that would need more is not signed). Null: no cap.</summary>
    public decimal? MaxFeePerGasGwei { get; set; }

    /// <summary>EVM: the most same-nonce fee replacements of one write (then it stays pending and the stuck-writes alert fires).</summary>
    public int MaxFeeReplacements { get; set; } = DefaultMaxFeeReplacements;

    public const int DefaultMaxFeeReplacements = 10;

    /// <summary>The fallback URLs as parsed (see <see cref="FallbackRpcUrls"/>).</summary>
    public IReadOnlyList<Uri> FallbackEndpoints =>
        (FallbackRpcUrls ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToList();

    /// <summary><see cref="MaxFeePerGasGwei"/> in wei, or null.</summary>
    public UInt256? MaxFeePerGasCap => MaxFeePerGasGwei is { } gwei ? UInt256.Parse(decimal.Truncate(gwei * 1_000_000_000m).ToString(CultureInfo.InvariantCulture)) : null;

    /// <summary>EVM and Tron: the issuer's secp256k1 private key, 32 bytes hex.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Solana: the issuer's 64-byte secret key, base58 or the Solana CLI's JSON array.</summary>
    public string? Keypair { get; set; }

    /// <summary>
    /// EVM and Tron (a base58check address there): the address that holds the token's admin role (<c>DEFAULT_ADMIN_ROLE</c>,
    /// which grants and revokes every role) and a pauser role of its own, e.g. a cold key or a multisig. The deploy flow hands the admin role to it and the
    /// hot signing key renounces it, keeping only the roles the platform signs with (mint, burn, pause, multiplier,
    /// blocklist). Unset: the hot key stays admin (development chains).
    /// </summary>
    public string? AdminAddress { get; set; }

    /// <summary>
    /// EVM: blocks (the including one counted) after which a block is final. At least 1. Unset, it is
    /// <see cref="SafeConfirmations"/>, except on the local development chain ids (<see cref="IsLocalDevelopmentChain"/>),
    /// whose nodes mine a block only when a transaction arrives. Prefer <c>Finality = finalized</c> where the node has it.
    /// </summary>
    public int Confirmations { get; set; } = SafeConfirmations;

    /// <summary>The depth a chain without its own setting waits for: deep enough for the reorgs EVM chains see in practice.</summary>
    public const int SafeConfirmations = 12;

    /// <summary>Chain ids no production network uses: anvil's and Hardhat's 31337, geth's and Ganache's 1337.</summary>
    public static bool IsLocalDevelopmentChain(ulong chainId) => chainId is 31337 or 1337;

    /// <summary>The <see cref="Finality"/> that follows the node's <c>finalized</c> block tag.</summary>
    public const string FinalizedTag = "finalized";

    /// <summary>The <see cref="Finality"/> that counts <see cref="Confirmations"/>.</summary>
    public const string DepthRule = "depth";

    /// <summary>
    /// EVM: when a block counts as final (deposits, mints and burns are acted on only then): <c>finalized</c> follows the
    /// node's finalized block tag (Ethereum, BNB Chain, Base and other chains that implement it); <c>depth</c> counts
    /// <see cref="Confirmations"/>.
    /// </summary>
    public string Finality { get; set; } = DepthRule;

    /// <summary>EVM: sign legacy (EIP-155) transactions instead of EIP-1559 ones.</summary>
    public bool Legacy { get; set; }

    /// <summary>Tron: the fee limit (sun) of every write, the most TRX one transaction may burn for energy. Default 1,000 TRX.</summary>
    public long FeeLimit { get; set; } = DefaultTronFeeLimit;

    /// <summary>Tron: seconds a signed write may be broadcast (1 to 86,400); a lost one is replaced only after it. Default 60.</summary>
    public int TransactionLifetimeSeconds { get; set; } = 60;

    /// <summary>The default <see cref="FeeLimit"/>: 1,000 TRX.</summary>
    public const long DefaultTronFeeLimit = 1_000_000_000;

    /// <summary>
    /// Solana: a fixed priority fee (micro-lamports per compute unit) on every write. Unset: a percentile of the fees that
    /// recently landed transactions writing the same token paid (getRecentPrioritizationFees), read again at most every few seconds.
    /// </summary>
    public ulong? ComputeUnitPriceMicroLamports { get; set; }

    /// <summary>Solana: the most any write offers per compute unit, fixed or read from the market (0: never a priority fee).</summary>
    public ulong MaxComputeUnitPriceMicroLamports { get; set; } = PriorityFeePolicy.DefaultMaxMicroLamports;

    /// <summary>Solana: how the priority fee of a write is chosen (<see cref="ComputeUnitPriceMicroLamports"/>, capped).</summary>
    public PriorityFeePolicy PriorityFees => new()
    {
        FixedMicroLamports = ComputeUnitPriceMicroLamports,
        MaxMicroLamports = MaxComputeUnitPriceMicroLamports,
    };

    /// <summary>Solana dev clusters: airdrop this many lamports to the fee payer when its balance is below it (0: never).</summary>
    public ulong AirdropLamports { get; set; }

    /// <summary>Reads every chain under <see cref="SectionName"/>; throws <c>InvalidArgument</c> naming the chain and key for a bad entry.</summary>
    public static IReadOnlyDictionary<string, ChainOptions> Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var chains = new Dictionary<string, ChainOptions>(StringComparer.Ordinal);
        foreach (var section in configuration.GetSection(SectionName).GetChildren())
        {
            var options = new ChainOptions
            {
                Family = section["Family"] ?? "",
                RpcUrl = section["RpcUrl"] ?? "",
                ChainId = ParseOr(section, "ChainId", 0UL, ulong.Parse),
                PrivateKey = section["PrivateKey"],
                Keypair = section["Keypair"],
                AdminAddress = string.IsNullOrWhiteSpace(section["AdminAddress"]) ? null : section["AdminAddress"]!.Trim(),
                Confirmations = ParseOr(section, "Confirmations",
                    IsLocalDevelopmentChain(ParseOr(section, "ChainId", 0UL, ulong.Parse)) ? 1 : SafeConfirmations, int.Parse),
                Finality = section["Finality"] ?? DepthRule,
                Legacy = ParseOr(section, "Legacy", false, (s, _) => bool.Parse(s)),
                AirdropLamports = ParseOr(section, "AirdropLamports", 0UL, ulong.Parse),
                FeeLimit = ParseOr(section, "FeeLimit", DefaultTronFeeLimit, long.Parse),
                TransactionLifetimeSeconds = ParseOr(section, "TransactionLifetimeSeconds", 60, int.Parse),
                FallbackRpcUrls = section["FallbackRpcUrls"],
                ComputeUnitPriceMicroLamports = section["ComputeUnitPriceMicroLamports"] is { Length: > 0 }
                    ? ParseOr(section, "ComputeUnitPriceMicroLamports", 0UL, ulong.Parse)
                    : null,
                MaxComputeUnitPriceMicroLamports = ParseOr(section, "MaxComputeUnitPriceMicroLamports", PriorityFeePolicy.DefaultMaxMicroLamports, ulong.Parse),
                MaxFeeReplacements = ParseOr(section, "MaxFeeReplacements", DefaultMaxFeeReplacements, int.Parse),
                MaxFeePerGasGwei = section["MaxFeePerGasGwei"] is { Length: > 0 } gwei
                    ? ParseOr(section, "MaxFeePerGasGwei", 0m, (s, c) => decimal.Parse(s, NumberStyles.Number, c))
                    : null,
            };
            options.Validate(section.Key);
            chains[section.Key] = options;
        }
        return chains;
    }

    private static ChainAddress.Family? DeclaredFamily(string family) => family.ToLowerInvariant() switch
    {
        "evm" => ChainAddress.Family.Evm,
        "solana" => ChainAddress.Family.Solana,
        "tron" => ChainAddress.Family.Tron,
        _ => null,
    };

    /// <summary>Throws <c>InvalidArgument</c> when this entry cannot work for <paramref name="chain"/>.</summary>
    public void Validate(string chain)
    {
        // A name beyond the well-known ones (base, mantle, ink …) is declared by its Family setting alone.
        if (ChainAddress.WellKnown(chain) is null)
        {
            ChainAddress.Register(chain, DeclaredFamily(Family) ?? throw Bad(chain, "Family", $"must be 'evm', 'solana' or 'tron' (got '{Family}')"));
        }
        var family = ChainAddress.FamilyOf(chain);
        var expected = family switch
        {
            ChainAddress.Family.Evm => "evm",
            ChainAddress.Family.Tron => "tron",
            _ => "solana",
        };
        if (!string.Equals(Family, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw Bad(chain, "Family", $"must be '{expected}' for this chain (got '{Family}')");
        }
        if (family != ChainAddress.Family.Solana && (ComputeUnitPriceMicroLamports is not null || MaxComputeUnitPriceMicroLamports != PriorityFeePolicy.DefaultMaxMicroLamports))
        {
            throw Bad(chain, ComputeUnitPriceMicroLamports is not null ? "ComputeUnitPriceMicroLamports" : "MaxComputeUnitPriceMicroLamports", "is supported on Solana chains only");
        }
        if (MaxFeeReplacements != DefaultMaxFeeReplacements && family != ChainAddress.Family.Evm)
        {
            throw Bad(chain, "MaxFeeReplacements", "is supported on EVM chains only");
        }
        if (MaxFeeReplacements < 0)
        {
            throw Bad(chain, "MaxFeeReplacements", "cannot be negative");
        }
        if (AdminAddress is not null && family == ChainAddress.Family.Solana)
        {
            throw Bad(chain, "AdminAddress", "is supported on EVM and Tron chains only");
        }
        if (!Uri.TryCreate(RpcUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw Bad(chain, "RpcUrl", "must be an absolute http(s) URL");
        }
        foreach (var fallback in (FallbackRpcUrls ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(fallback, UriKind.Absolute, out var other) || (other.Scheme != Uri.UriSchemeHttp && other.Scheme != Uri.UriSchemeHttps))
            {
                throw Bad(chain, "FallbackRpcUrls", $"'{fallback}' is not an absolute http(s) URL");
            }
        }
        if (family == ChainAddress.Family.Tron)
        {
            if (FeeLimit <= 0)
            {
                throw Bad(chain, "FeeLimit", "must be a positive number of sun");
            }
            if (TransactionLifetimeSeconds is < 1 or > 86_400)
            {
                throw Bad(chain, "TransactionLifetimeSeconds", "must be 1-86400 (Tron refuses expirations over 24 h)");
            }
            RequireSecp256k1Key(chain);
            RequireTronAdminAddress(chain);
        }
        else if (family == ChainAddress.Family.Evm)
        {
            if (ChainId == 0)
            {
                throw Bad(chain, "ChainId", "must be the positive EIP-155 chain id");
            }
            if (Confirmations < 1)
            {
                throw Bad(chain, "Confirmations", "must be at least 1");
            }
            if (Finality is not (FinalizedTag or DepthRule))
            {
                throw Bad(chain, "Finality", $"must be '{FinalizedTag}' or '{DepthRule}'");
            }
            if (MaxFeePerGasGwei is <= 0m)
            {
                throw Bad(chain, "MaxFeePerGasGwei", "must be a positive number of gwei");
            }
            RequireSecp256k1Key(chain);
            RequireAdminAddress(chain);
        }
        else
        {
            try
            {
                _ = SolanaIssuer();
            }
            catch (SolanaException e)
            {
                throw Bad(chain, "Keypair", $"is not a 64-byte Solana secret key ({e.Kind})");
            }
        }
    }

    /// <summary>The admin address, when set, is an EVM address other than the hot signing key's.</summary>
    private void RequireAdminAddress(string chain)
    {
        if (AdminAddress is null)
        {
            return;
        }
        EvmAddress admin;
        try
        {
            admin = EvmAddress.Parse(AdminAddress);
        }
        catch (EvmException e)
        {
            throw Bad(chain, "AdminAddress", $"is not an EVM address ({e.Code})");
        }
        if (admin == EvmAddress.Zero || admin == EvmPrivateKey.FromHex(PrivateKey!).Address)
        {
            throw Bad(chain, "AdminAddress", "must be a key other than the signing key (and not the zero address)");
        }
    }

    /// <summary>The admin address, when set, is a Tron base58check address other than the hot signing key's.</summary>
    private void RequireTronAdminAddress(string chain)
    {
        if (AdminAddress is null)
        {
            return;
        }
        TronAddress admin;
        try
        {
            admin = TronAddress.Parse(ChainAddress.Canonicalize("tron", AdminAddress));
        }
        catch (LedgerException e)
        {
            throw Bad(chain, "AdminAddress", $"is not a Tron base58check address ({e.Message.TrimEnd('.')})");
        }
        if (admin.ToEvm() == EvmAddress.Zero || admin == TronAddress.FromPublicKey(EvmPrivateKey.FromHex(PrivateKey!).PublicKey))
        {
            throw Bad(chain, "AdminAddress", "must be a key other than the signing key (and not the zero address)");
        }
    }

    private void RequireSecp256k1Key(string chain)
    {
        try
        {
            _ = EvmPrivateKey.FromHex(PrivateKey ?? "");
        }
        catch (EvmException e)
        {
            throw Bad(chain, "PrivateKey", $"is not a 32-byte hex secp256k1 key ({e.Code})");
        }
    }

    internal SolanaKeypair SolanaIssuer()
    {
        var text = (Keypair ?? "").Trim();
        if (text.StartsWith('['))
        {
            return SolanaKeypair.FromJson(text);
        }
        return SolanaKeypair.FromSecretKey(Base58.Decode(text));
    }

    private static T ParseOr<T>(IConfigurationSection section, string key, T fallback, Func<string, IFormatProvider, T> parse)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        try
        {
            return parse(text.Trim(), CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            throw Bad(section.Key, key, $"cannot parse '{text}'");
        }
        catch (OverflowException)
        {
            throw Bad(section.Key, key, $"'{text}' is out of range");
        }
    }

    private static LedgerException Bad(string chain, string key, string why) =>
        new(LedgerError.InvalidArgument, $"Configuration {SectionName}:{chain}:{key} {why}.");
}

/// <summary>Registration of the chain signers.</summary>
public static class ChainSignerRegistration
{
    /// <summary>
    /// Registers the configured chains (<see cref="ChainOptions.SectionName"/>) for <see cref="ChainSignerGrain"/>: one RPC
    /// client per chain, shared by every activation in the process. A bad entry fails here, at startup.
    /// </summary>
    public static ISiloBuilder AddSharemintChains(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSharemintChains(configuration);
        return silo;
    }

    /// <inheritdoc cref="AddSharemintChains(ISiloBuilder, IConfiguration)"/>
    public static IServiceCollection AddSharemintChains(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        var chains = ChainOptions.Read(configuration);
        // A key source registered by the host (a KMS or HSM adapter) replaces the in-process keys.
        services.AddSingleton(sp => new ConfiguredChains(chains) { Keys = sp.GetService<IChainKeySource>() ?? new InProcessChainKeys() });
        return services;
    }
}
