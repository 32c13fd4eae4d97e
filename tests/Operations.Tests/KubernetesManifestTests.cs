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
        foreach (var kind in new[] { "Namespace", "ServiceAccount", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy" })
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
        var ports = silo.GetProperty("ports").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("containerPort").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["silo"] = 11111, ["http"] = 8080, ["management"] = 9090 }, ports);
        Assert.Equal("9090", pod.GetProperty("metadata").GetProperty("annotations").GetProperty("prometheus.io/port").GetString());
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
        var configMap = documents.Single(d => d.GetProperty("kind").GetString() == "ConfigMap" && d.GetProperty("metadata").GetProperty("name").GetString() == "sharemint-silo").GetProperty("data");
        Assert.Equal("11111", configMap.GetProperty("Sharemint__SiloPort").GetString());
        Assert.Equal("30000", configMap.GetProperty("Sharemint__GatewayPort").GetString());
        Assert.Equal("9090", configMap.GetProperty("Sharemint__ManagementPort").GetString());
        Assert.Equal("false", configMap.GetProperty("Sharemint__MigrateOnStart").GetString());
        Assert.Equal("evm", configMap.GetProperty("Sharemint__Chains__ethereum__Family").GetString());
        Assert.True(configMap.TryGetProperty("Sharemint__Membership__DefunctSiloExpiration", out _));
        var secrets = documents.Where(d => d.GetProperty("kind").GetString() == "Secret").Select(d => d.GetProperty("metadata").GetProperty("name").GetString()).ToList();
        Assert.Contains("sharemint-database", secrets);
        Assert.Contains("sharemint-keys", secrets);

        // The schema is applied before the silo container starts, in every pod (re-appliable under the advisory lock): no
        // Job with a fixed name to re-create, and no ordering to get wrong.
        Assert.DoesNotContain("Job", kinds);
        var migrate = Assert.Single(podSpec.GetProperty("initContainers").EnumerateArray());
        Assert.Equal(["sharemint", "db", "migrate"], migrate.GetProperty("command").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.Contains("sharemint-database", migrate.GetProperty("envFrom").ToString(), StringComparison.Ordinal);

        var pdb = documents.Single(d => d.GetProperty("kind").GetString() == "PodDisruptionBudget").GetProperty("spec");
        Assert.Equal("sharemint-silo", pdb.GetProperty("selector").GetProperty("matchLabels").GetProperty("app.kubernetes.io/name").GetString());
        var replicas = deployment.GetProperty("spec").GetProperty("replicas").GetInt32();
        Assert.Equal(overlay == "prod" ? 5 : 2, replicas);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_selector_matches_what_it_means_to_select(string overlay)
    {
        var documents = await RenderAsync(Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "overlays", overlay));
        var services = Of(documents, "Service");
        var pod = Of(documents, "Deployment").Single().GetProperty("spec").GetProperty("template");
        var podLabels = Labels(pod);
        var podPorts = pod.GetProperty("spec").GetProperty("containers")[0].GetProperty("ports").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()!).ToHashSet();

        foreach (var service in services)
        {
            var spec = service.GetProperty("spec");
            Assert.True(Matches(spec.GetProperty("selector"), podLabels), $"Service {Name(service)} selects no silo pod");
            foreach (var port in spec.GetProperty("ports").EnumerateArray())
            {
                Assert.Contains(port.GetProperty("targetPort").GetString()!, podPorts);
            }
        }
        Assert.True(Matches(Of(documents, "PodDisruptionBudget").Single().GetProperty("spec").GetProperty("selector").GetProperty("matchLabels"), podLabels));
        Assert.True(Matches(Of(documents, "NetworkPolicy").Single().GetProperty("spec").GetProperty("podSelector").GetProperty("matchLabels"), podLabels));

        var monitors = Of(documents, "ServiceMonitor");
        Assert.Equal(overlay == "prod" ? 1 : 0, monitors.Count);
        foreach (var monitor in monitors)
        {
            var selector = monitor.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels");
            var selected = services.Where(s => Matches(selector, Labels(s))).ToList();
            var endpoint = monitor.GetProperty("spec").GetProperty("endpoints")[0];
            Assert.Equal("management", endpoint.GetProperty("port").GetString());
            // The scraped Service exists, carries the port by name, and is the only one selected (no double scrape).
            var scraped = Assert.Single(selected);
            Assert.Contains(scraped.GetProperty("spec").GetProperty("ports").EnumerateArray(), p => p.GetProperty("name").GetString() == "management");
        }
        // The partner API Service does not expose the management port.
        var api = services.Single(s => Name(s) == "sharemint-api");
        Assert.DoesNotContain(api.GetProperty("spec").GetProperty("ports").EnumerateArray(), p => p.GetProperty("targetPort").GetString() == "management");
    }

    [Fact]
    public async Task The_network_policy_admits_silos_to_silos_monitoring_to_management_and_nothing_to_the_gateway()
    {
        var documents = await RenderAsync(Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "overlays", "prod"));
        var policy = Of(documents, "NetworkPolicy").Single().GetProperty("spec");
        Assert.Equal(["Ingress"], policy.GetProperty("policyTypes").EnumerateArray().Select(t => t.GetString()!).ToArray());
        var rules = policy.GetProperty("ingress").EnumerateArray().ToList();
        JsonElement? RuleFor(int port) => rules.Cast<JsonElement?>().SingleOrDefault(r =>
            r!.Value.GetProperty("ports").EnumerateArray().Any(p => p.GetProperty("port").GetInt32() == port));

        var silo = RuleFor(11111)!.Value.GetProperty("from");
        Assert.Equal("sharemint-silo", Assert.Single(silo.EnumerateArray()).GetProperty("podSelector").GetProperty("matchLabels").GetProperty("app.kubernetes.io/name").GetString());
        var management = RuleFor(9090)!.Value.GetProperty("from");
        Assert.Equal("monitoring", Assert.Single(management.EnumerateArray()).GetProperty("namespaceSelector").GetProperty("matchLabels").GetProperty("kubernetes.io/metadata.name").GetString());
        Assert.False(RuleFor(8080)!.Value.TryGetProperty("from", out _), "the API port is open to the ingress controller wherever it runs");
        Assert.Null(RuleFor(30000));
        // Every rule names its ports: a rule without ports would admit everything, the gateway included.
        Assert.All(rules, r => Assert.True(r.GetProperty("ports").GetArrayLength() > 0));
    }

    [Fact]
    public async Task Prod_ships_the_tested_alert_rules_and_the_dashboards()
    {
        var documents = await RenderAsync(Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "overlays", "prod"));
        var rule = Of(documents, "PrometheusRule").Single();
        var tools = Path.Combine(RepositoryPaths.Root, "deploy", "tools");
        var rulesFile = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus", "sharemint-alerts.yml");
        var converted = await ProcessRunner.RunAsync("node", ["-e",
            "const y=require('yaml');process.stdout.write(JSON.stringify(y.parse(require('fs').readFileSync(process.argv[1],'utf8')).groups))", rulesFile],
            Timeout, workingDirectory: tools);
        using var groups = JsonDocument.Parse(converted.StandardOutput);
        Assert.True(JsonElement.DeepEquals(groups.RootElement, rule.GetProperty("spec").GetProperty("groups")),
            "prometheusrule.yaml differs from sharemint-alerts.yml: run node deploy/tools/render-prometheusrule.mjs");

        var dashboards = Of(documents, "ConfigMap").Where(c => Labels(c).GetValueOrDefault("grafana_dashboard") == "1").ToList();
        var files = System.IO.Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "deploy", "grafana"), "*.json");
        Assert.Equal(files.Length, dashboards.Count);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var shipped = dashboards.Single(d => d.GetProperty("data").TryGetProperty(name, out _));
            Assert.Equal(await File.ReadAllTextAsync(file), shipped.GetProperty("data").GetProperty(name).GetString());
        }
    }

    private static List<JsonElement> Of(List<JsonElement> documents, string kind) =>
        documents.Where(d => d.GetProperty("kind").GetString() == kind).ToList();

    private static string Name(JsonElement document) => document.GetProperty("metadata").GetProperty("name").GetString()!;

    private static Dictionary<string, string> Labels(JsonElement document) =>
        document.GetProperty("metadata").TryGetProperty("labels", out var labels)
            ? labels.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!)
            : [];

    private static bool Matches(JsonElement selector, Dictionary<string, string> labels) =>
        selector.EnumerateObject().Any() && selector.EnumerateObject().All(s => labels.GetValueOrDefault(s.Name) == s.Value.GetString());

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
