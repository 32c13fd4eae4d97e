using System.Text.Json;
using Sharemint.Fixtures;

namespace Sharemint.Operations.Tests;

/// <summary>
/// Each kustomize overlay builds with <c>kubectl kustomize</c>, validates offline against the Kubernetes schemas
/// (deploy/tools, npm package kubernetes-models), and follows the Orleans-on-Kubernetes rules the platform relies on.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static TheoryData<string> Overlays => new() { "dev", "prod" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Overlay_builds_validates_and_runs_silos_as_orleans_recommends(string overlay)
    {
        var documents = await RenderAsync(Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "overlays", overlay));
        var kinds = documents.Select(d => d.GetProperty("kind").GetString()).ToList();
        foreach (var kind in new[] { "Namespace", "ServiceAccount", "ConfigMap", "Secret", "Job", "Deployment", "Service", "PodDisruptionBudget" })
        {
            Assert.Contains(kind, kinds);
        }
        var ns = overlay == "prod" ? "sharemint" : "sharemint-dev";
        Assert.All(documents.Where(d => d.GetProperty("kind").GetString() != "Namespace"),
            d => Assert.Equal(ns, d.GetProperty("metadata").GetProperty("namespace").GetString()));

        var deployment = documents.Single(d => d.GetProperty("kind").GetString() == "Deployment");
        var pod = deployment.GetProperty("spec").GetProperty("template");
        var podSpec = pod.GetProperty("spec");
        Assert.False(podSpec.GetProperty("automountServiceAccountToken").GetBoolean());
        Assert.True(podSpec.GetProperty("terminationGracePeriodSeconds").GetInt32() > 30, "grace must exceed the host's 30 s shutdown timeout");
        Assert.Equal("true", pod.GetProperty("metadata").GetProperty("annotations").GetProperty("prometheus.io/scrape").GetString());

        var silo = podSpec.GetProperty("containers")[0];
        var ports = silo.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("containerPort").GetInt32()).ToHashSet();
        Assert.Equal(new HashSet<int> { 11111, 30000, 8080 }, ports);
        var advertised = silo.GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "Sharemint__AdvertisedAddress");
        Assert.Equal("status.podIP", advertised.GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString());
        Assert.Equal("/health/startup", silo.GetProperty("startupProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/health/ready", silo.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/health/live", silo.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        var resources = silo.GetProperty("resources");
        Assert.True(resources.GetProperty("requests").TryGetProperty("cpu", out _));
        Assert.False(resources.GetProperty("limits").TryGetProperty("cpu", out _), "no CPU limit: throttling stalls silos");

        var envFrom = silo.GetProperty("envFrom").EnumerateArray().Select(e => e.ToString()).ToList();
        Assert.Contains(envFrom, e => e.Contains("sharemint-database", StringComparison.Ordinal));
        Assert.Contains(envFrom, e => e.Contains("sharemint-keys", StringComparison.Ordinal));
        Assert.Contains(envFrom, e => e.Contains("configMapRef", StringComparison.Ordinal));
        var configMap = documents.Single(d => d.GetProperty("kind").GetString() == "ConfigMap").GetProperty("data");
        Assert.Equal("11111", configMap.GetProperty("Sharemint__SiloPort").GetString());
        Assert.Equal("30000", configMap.GetProperty("Sharemint__GatewayPort").GetString());
        Assert.Equal("false", configMap.GetProperty("Sharemint__MigrateOnStart").GetString());
        Assert.Equal("evm", configMap.GetProperty("Sharemint__Chains__ethereum__Family").GetString());
        Assert.True(configMap.TryGetProperty("Sharemint__Membership__DefunctSiloExpiration", out _));
        var secrets = documents.Where(d => d.GetProperty("kind").GetString() == "Secret").Select(d => d.GetProperty("metadata").GetProperty("name").GetString()).ToList();
        Assert.Contains("sharemint-database", secrets);
        Assert.Contains("sharemint-keys", secrets);

        var job = documents.Single(d => d.GetProperty("kind").GetString() == "Job");
        var migrate = job.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        Assert.Equal(["sharemint", "db", "migrate"], migrate.GetProperty("command").EnumerateArray().Select(c => c.GetString()!).ToArray());

        var pdb = documents.Single(d => d.GetProperty("kind").GetString() == "PodDisruptionBudget").GetProperty("spec");
        Assert.Equal("sharemint-silo", pdb.GetProperty("selector").GetProperty("matchLabels").GetProperty("app.kubernetes.io/name").GetString());
        var replicas = deployment.GetProperty("spec").GetProperty("replicas").GetInt32();
        Assert.Equal(overlay == "prod" ? 5 : 2, replicas);
    }

    [Fact]
    public async Task Validation_rejects_a_manifest_that_breaks_the_schema()
    {
        // A port given as a string is valid YAML but not a valid container port: the offline validation must refuse it.
        var rendered = (await ProcessRunner.RunAsync(Kubectl(), ["kustomize", Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "overlays", "dev")], Timeout)).StandardOutput;
        var broken = rendered.Replace("containerPort: 8080", "containerPort: http-port", StringComparison.Ordinal);
        Assert.NotEqual(rendered, broken);
        var result = await ValidateAsync(broken, throwOnFailure: false);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("containerPort", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> RenderAsync(string overlay)
    {
        var rendered = await ProcessRunner.RunAsync(Kubectl(), ["kustomize", overlay], Timeout);
        var validated = await ValidateAsync(rendered.StandardOutput, throwOnFailure: true);
        using var document = JsonDocument.Parse(validated.StandardOutput);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static async Task<ProcessRunner.Result> ValidateAsync(string manifests, bool throwOnFailure)
    {
        var tools = Path.Combine(RepositoryPaths.Root, "deploy", "tools");
        if (!System.IO.Directory.Exists(Path.Combine(tools, "node_modules", "kubernetes-models")))
        {
            throw new InvalidOperationException($"The schema validator's packages are missing: run 'npm ci' in {tools}.");
        }
        var input = Path.Combine(Path.GetTempPath(), $"sharemint-k8s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(input, manifests);
        try
        {
            return await ProcessRunner.RunAsync("bash", ["-c", "node validate-manifests.mjs < \"$0\"", input], Timeout,
                workingDirectory: tools, throwOnFailure: throwOnFailure);
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static string Kubectl()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin"))
        {
            var path = Path.Combine(dir, "kubectl");
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException("kubectl not found on PATH. On Debian: apt-get install -y kubernetes-client (or kubectl from the Kubernetes apt repository).");
    }
}
