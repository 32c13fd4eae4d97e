using System.CommandLine;
using System.Text.Json;
using Sharemint.Schema;

namespace Sharemint.Cli.Database;

/// <summary><c>sharemint db migrate | status</c>.</summary>
public static class DatabaseCommands
{
    public static Command Create(Option<bool> json)
    {
        var connection = new Option<string?>("--connection", "-c")
        {
            Description = "PostgreSQL connection string (default: env SHAREMINT_DB or ConnectionStrings__Sharemint)",
        };

        var migrate = new Command("migrate", "Apply the schema migrations (idempotent; safe to run from several processes).") { connection };
        migrate.SetAction(async (parse, ct) =>
        {
            var cs = ResolveConnection(parse.GetValue(connection));
            var report = await SchemaMigrator.MigrateAsync(cs, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    applied = report.Applied.Select(m => new { m.Version, m.Name }),
                    alreadyApplied = report.AlreadyApplied.Select(m => m.Version),
                    warnings = report.Warnings,
                }, CliJson.Options));
            }
            else
            {
                foreach (var m in report.Applied)
                {
                    Console.WriteLine($"applied  {m.Version:D4} {m.Name}");
                }
                Console.WriteLine($"schema up to date: {report.Applied.Count} applied, {report.AlreadyApplied.Count} already present");
                foreach (var warning in report.Warnings)
                {
                    Console.Error.WriteLine($"warning: {warning}");
                }
            }
            return 0;
        });

        var status = new Command("status", "Show which migrations the database has.") { connection };
        status.SetAction(async (parse, ct) =>
        {
            var applied = await SchemaMigrator.AppliedVersionsAsync(ResolveConnection(parse.GetValue(connection)), ct);
            var pending = SchemaMigrator.Migrations.Where(m => !applied.Contains(m.Version)).ToArray();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { applied, pending = pending.Select(m => m.Version) }, CliJson.Options));
            }
            else
            {
                foreach (var m in SchemaMigrator.Migrations)
                {
                    Console.WriteLine($"{(applied.Contains(m.Version) ? "applied" : "pending"),-8} {m.Version:D4} {m.Name}");
                }
            }
            return pending.Length == 0 ? 0 : 3;
        });

        return new Command("db", "Database schema.") { migrate, status };
    }

    private static string ResolveConnection(string? given) =>
        new[] { given, Environment.GetEnvironmentVariable("SHAREMINT_DB"), Environment.GetEnvironmentVariable("ConnectionStrings__Sharemint") }
            .FirstOrDefault(c => !string.IsNullOrWhiteSpace(c))
        ?? throw new CliUsageException("No database given: pass --connection or set SHAREMINT_DB.");
}
