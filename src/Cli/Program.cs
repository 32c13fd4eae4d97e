using System.CommandLine;
using System.Text.Json;
using Sharemint.Cli;
using Sharemint.Cli.Assets;
using Sharemint.Cli.Database;
using Sharemint.Client;
using Sharemint.Client.Assets;

var json = new Option<bool>("--json") { Description = "Machine-readable JSON output", Recursive = true };
var api = new Option<string>("--api")
{
    Description = "Platform API root (default: env SHAREMINT_API or http://127.0.0.1:8080/)",
    Recursive = true,
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SHAREMINT_API") ?? "http://127.0.0.1:8080/",
};

var root = new RootCommand("sharemint: operate the Sharemint tokenized-equities platform")
{
    json,
    api,
    DatabaseCommands.Create(json),
    AssetCommands.Create(json, api),
};

try
{
    if (Console.IsOutputRedirected)
    {
        // Scripts and pipes get whole tables rather than ones clipped to a default 80 columns.
        Spectre.Console.AnsiConsole.Profile.Width = 240;
    }
    // Our own handlers below turn known failures into exit codes; System.CommandLine's default would print a stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliUsageException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 2;
}
catch (SharemintApiException ex)
{
    if (args.Contains("--json"))
    {
        Console.WriteLine(JsonSerializer.Serialize(new { error = ex.Code, status = (int)ex.Status, detail = ex.Message }, CliJson.Options));
    }
    await Console.Error.WriteLineAsync($"error: {ex.Code}: {ex.Message}");
    return 4;
}
catch (HttpRequestException ex)
{
    await Console.Error.WriteLineAsync($"error: cannot reach the platform API: {ex.Message}");
    return 5;
}
catch (Npgsql.NpgsqlException ex)
{
    await Console.Error.WriteLineAsync($"error: database: {ex.Message}");
    return 6;
}
catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or Sharemint.Schema.SchemaMismatchException)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 1;
}
