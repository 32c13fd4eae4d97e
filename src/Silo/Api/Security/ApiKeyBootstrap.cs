using Microsoft.Extensions.Options;
using Sharemint.Silo.Demo;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Creates the keys named in configuration at start-up: the bootstrap admin key, and with <c>Sharemint:SeedDemo</c> the
/// demo partner's key. The configuration wins: an existing key with that id is re-keyed to the configured secret.
/// </summary>
public sealed class ApiKeyBootstrap(ApiKeyStore keys, SecretProtector protector, IOptions<ApiOptions> options, IConfiguration configuration, ILogger<ApiKeyBootstrap> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var api = options.Value;
        var admin = Pair(api.BootstrapAdminKeyId, api.BootstrapAdminSecret, "BootstrapAdmin");
        var demo = configuration.GetValue<bool>("Sharemint:SeedDemo") ? Pair(api.DemoPartnerKeyId, api.DemoPartnerSecret, "DemoPartner") : null;
        if ((admin is not null || demo is not null) && !protector.IsConfigured)
        {
            throw new InvalidOperationException("API keys are configured but Sharemint:Api:SecretEncryptionKey is not: set it to base64 of 32 random bytes.");
        }
        if (admin is { } a)
        {
            await keys.UpsertConfiguredAsync(a.Id, a.Secret, ApiKeyKind.Operator, null, OperatorRole.Admin, "bootstrap admin", cancellationToken);
            logger.LogInformation("Bootstrap admin API key {KeyId} is ready", a.Id);
        }
        if (demo is { } d)
        {
            await keys.UpsertConfiguredAsync(d.Id, d.Secret, ApiKeyKind.Partner, DemoCatalogue.PartnerId, null, "demo partner", cancellationToken);
            logger.LogInformation("Demo partner API key {KeyId} for {Partner} is ready", d.Id, DemoCatalogue.PartnerId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static (string Id, string Secret)? Pair(string? id, string? secret, string name) =>
        (string.IsNullOrWhiteSpace(id), string.IsNullOrWhiteSpace(secret)) switch
        {
            (true, true) => null,
            (false, false) => (id!, secret!),
            _ => throw new InvalidOperationException($"Sharemint:Api:{name}KeyId and Sharemint:Api:{name}Secret must be set together."),
        };
}
