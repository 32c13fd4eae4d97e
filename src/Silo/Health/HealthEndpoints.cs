using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Sharemint.Silo.Health;

/// <summary>Tracks whether the silo has started: startup and readiness wait for it.</summary>
public sealed class SiloStartupState : ILifecycleParticipant<ISiloLifecycle>
{
    private volatile bool _active;

    public bool IsActive => _active;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloStartupState), ServiceLifecycleStage.Active,
            _ => { _active = true; return Task.CompletedTask; },
            _ => { _active = false; return Task.CompletedTask; });
}

/// <summary>Startup: the silo reached Active.</summary>
public sealed class SiloActiveCheck(SiloStartupState startup) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(startup.IsActive ? HealthCheckResult.Healthy("silo active") : HealthCheckResult.Unhealthy("silo starting"));
}

/// <summary>Readiness: PostgreSQL answers. Never used for liveness, so a database outage does not restart every pod.</summary>
public sealed class DatabaseCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("database reachable");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("database unreachable", ex);
        }
    }
}

/// <summary>Maps <c>/health/startup</c>, <c>/health/ready</c> and <c>/health/live</c>.</summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddSharemintHealth(this IServiceCollection services)
    {
        services.AddSingleton<SiloStartupState>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloStartupState>());
        services.AddHealthChecks()
            .AddCheck<SiloActiveCheck>("silo", tags: ["startup", "ready"])
            .AddCheck<DatabaseCheck>("database", tags: ["ready"]);
        return services;
    }

    public static void MapSharemintHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/startup", new() { Predicate = c => c.Tags.Contains("startup") });
        endpoints.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
        // Liveness runs no checks at all: the process answering HTTP is the signal.
        endpoints.MapHealthChecks("/health/live", new() { Predicate = _ => false });
    }
}
