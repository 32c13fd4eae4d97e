using System.Collections.Concurrent;
using Sharemint.Assets;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Deployments;

/// <summary>
/// The start-up deployment of the catalogue as this silo runs it: which assets' tokens it still has to put on which chains
/// after the first assets went on chain and the silo began serving. A command on a deployment still on its way is refused
/// with the retryable <c>deployment_in_progress</c> (503, Retry-After) rather than a misleading <c>deployment_not_found</c>,
/// and <c>admin assets progress</c> shows where each chain stands.
/// </summary>
public sealed class CatalogueDeploymentProgress
{
    /// <summary>Seconds a refused client is told to wait before trying again.</summary>
    public const int RetryAfterSeconds = 5;

    private readonly ConcurrentDictionary<(string Symbol, string Chain), string?> _chains = new();
    private volatile string? _problem;

    /// <summary>Marks a deployment as still to come (before the silo serves).</summary>
    public void Expect(string symbol, string chain) => _chains.TryAdd((symbol, chain), null);

    /// <summary>Marks a deployment as on chain and registered.</summary>
    public void Landed(string symbol, string chain, string tokenAddress) => _chains[(symbol, chain)] = tokenAddress;

    /// <summary>Why the background deployment stopped (a restart resumes it); null while it runs or once it is done.</summary>
    public void Failed(string problem) => _problem = problem;

    /// <summary>Deployments still to come.</summary>
    public int Pending => _chains.Count(c => c.Value is null);

    /// <summary>Whether <paramref name="symbol"/>'s token on <paramref name="chain"/> is still to come.</summary>
    public bool IsPending(string symbol, string chain) => _chains.TryGetValue((symbol, chain), out var token) && token is null;

    /// <summary>Refuses a command on a deployment still to come: 503 <c>deployment_in_progress</c> with Retry-After.</summary>
    public void RequireDeployed(HttpContext context, string symbol, string chain)
    {
        if (!IsPending(symbol, chain))
        {
            return;
        }
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var why = _problem is { } problem ? $"; the background deployment stopped ({problem}) and resumes when the silo restarts" : "; try again in a few seconds";
        throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "deployment_in_progress",
            $"{symbol} is still being deployed on {chain} by the start-up deployment of the catalogue ({Pending} deployments to go){why}.");
    }

    /// <summary>The start-up deployment's progress for one asset, or null when it does not cover the asset.</summary>
    public AssetDeploymentProgress? Of(string symbol)
    {
        var chains = _chains.Where(c => c.Key.Symbol == symbol).OrderBy(c => c.Key.Chain, StringComparer.Ordinal)
            .Select(c => new AssetChainDeployment(c.Key.Chain, c.Value is null ? "pending" : "deployed", c.Value, c.Value is null ? _problem : null))
            .ToList();
        return chains.Count == 0 ? null : new AssetDeploymentProgress(symbol, chains, chains.All(c => c.TokenAddress is not null));
    }
}
