using Sharemint.Fixtures;

namespace Sharemint.Operations.Tests;

/// <summary>The alert rules and scrape configuration pass promtool, and the rule unit tests show every alert firing and not firing.</summary>
public sealed class AlertRuleTests
{
    private static readonly string Directory = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Rules_pass_promtool_check()
    {
        var result = await ProcessRunner.RunAsync(PrometheusServer.Binary("promtool"), ["check", "rules", "sharemint-alerts.yml"], Timeout, workingDirectory: Directory);
        Assert.Contains("SUCCESS: 17 rules found", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_configuration_passes_promtool_check()
    {
        var result = await ProcessRunner.RunAsync(PrometheusServer.Binary("promtool"), ["check", "config", "prometheus.yml"], Timeout, workingDirectory: Directory);
        Assert.Contains("SUCCESS", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rule_unit_tests_pass()
    {
        var result = await ProcessRunner.RunAsync(PrometheusServer.Binary("promtool"), ["test", "rules", "sharemint-alerts.test.yml"], Timeout, workingDirectory: Directory);
        Assert.Contains("SUCCESS", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_alert_has_a_unit_test_that_fires_it()
    {
        var rules = await File.ReadAllTextAsync(Path.Combine(Directory, "sharemint-alerts.yml"));
        var tests = await File.ReadAllTextAsync(Path.Combine(Directory, "sharemint-alerts.test.yml"));
        var alerts = System.Text.RegularExpressions.Regex.Matches(rules, @"- alert: (\w+)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(17, alerts.Count);
        foreach (var alert in alerts)
        {
            // Each alert is evaluated at least twice: once expecting nothing, once expecting it to fire.
            var evaluations = System.Text.RegularExpressions.Regex.Matches(tests, $@"alertname: {alert}\s+exp_alerts:(?<body>(\s*\[\])|(\s+- exp_labels))");
            Assert.Contains(evaluations, m => m.Groups["body"].Value.Contains("[]", StringComparison.Ordinal));
            Assert.Contains(evaluations, m => m.Groups["body"].Value.Contains("exp_labels", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Every_alert_has_a_severity_and_a_runbook_that_exists()
    {
        var rules = await File.ReadAllTextAsync(Path.Combine(Directory, "sharemint-alerts.yml"));
        var blocks = System.Text.RegularExpressions.Regex.Split(rules, @"(?=- alert: )")
            .Where(b => b.StartsWith("- alert: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(17, blocks.Count);
        foreach (var block in blocks)
        {
            var name = System.Text.RegularExpressions.Regex.Match(block, @"- alert: (\w+)").Groups[1].Value;
            Assert.Matches(@"severity: (critical|warning)", block);
            var runbook = System.Text.RegularExpressions.Regex.Match(block,
                @"runbook_url: ""https://github\.com/sharemint/sharemint/blob/main/(deploy/runbooks/[a-z0-9-]+\.md)""");
            Assert.True(runbook.Success, $"{name} has no runbook_url into deploy/runbooks/");
            var file = Path.Combine(RepositoryPaths.Root, runbook.Groups[1].Value);
            Assert.True(File.Exists(file), $"{name}: runbook {file} is missing");
            Assert.Contains(name, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_broken_rule_unit_test_fails()
    {
        // promtool must really evaluate the expectations: a test that expects the wrong labels has to fail.
        var scratch = Path.Combine(Path.GetTempPath(), $"sharemint-rules-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(scratch);
        try
        {
            File.Copy(Path.Combine(Directory, "sharemint-alerts.yml"), Path.Combine(scratch, "sharemint-alerts.yml"));
            var tests = (await File.ReadAllTextAsync(Path.Combine(Directory, "sharemint-alerts.test.yml")))
                .Replace("asset: NVDAx }", "asset: AAPLx }", StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(scratch, "broken.test.yml"), tests);
            var result = await ProcessRunner.RunAsync(PrometheusServer.Binary("promtool"), ["test", "rules", "broken.test.yml"], Timeout,
                workingDirectory: scratch, throwOnFailure: false);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("SharemintBackingBelowOne", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.Directory.Delete(scratch, recursive: true);
        }
    }
}
