using System.CommandLine;
using System.Text.Json;
using Sharemint.Cli;
using Sharemint.Cli.Assets;
using Sharemint.Cli.Compliance;
using Sharemint.Cli.Database;
using Sharemint.Cli.Keys;
using Sharemint.Cli.Market;
using Sharemint.Cli.Orders;
using Sharemint.Cli.Partners;
using Sharemint.Cli.Reserves;
using Sharemint.Cli.Wallets;
using Sharemint.Client;

var globals = new CliGlobals();
var root = new RootCommand("sharemint: operate the Sharemint tokenized-equities platform. Keys: SHAREMINT_KEY_ID / SHAREMINT_KEY_SECRET; API: SHAREMINT_API.")
{
    DatabaseCommands.Create(globals.Json),
    AssetCommands.Create(globals),
    PartnerCommands.Create(globals),
    KeyCommands.Create(globals),
    SanctionCommands.Create(globals),
    ReserveCommands.Create(globals),
    PriceCommands.Create(globals),
    WalletCommands.Create(globals),
    Sharemint.Cli.Recovery.RecoveryCommands.Create(globals),
    Sharemint.Cli.Deposits.DepositCommands.Create(globals),
    Sharemint.Cli.CorporateActions.CorporateActionCommands.Create(globals),
    Sharemint.Cli.Statements.StatementCommands.Create(globals),
    Sharemint.Cli.Webhooks.WebhookCommands.Create(globals),
};
foreach (var option in globals.All)
{
    root.Options.Add(option);
}
foreach (var command in OrderCommands.Create(globals))
{
    root.Subcommands.Add(command);
}

var json = args.Contains("--json");
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
    return await FailAsync(ExitCodes.Usage, "usage", ex.Message);
}
catch (SharemintApiException ex)
{
    if (json)
    {
        Console.WriteLine(JsonSerializer.Serialize(new { error = ex.Code, status = (int)ex.Status, detail = ex.Message }, CliJson.Options));
    }
    await Console.Error.WriteLineAsync($"error: {ex.Code}: {ex.Message}");
    return ExitCodes.ApiError;
}
catch (HttpRequestException ex)
{
    return await FailAsync(ExitCodes.Unreachable, "unreachable", $"cannot reach the platform API: {ex.Message}");
}
catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
{
    return await FailAsync(ExitCodes.Unreachable, "unreachable", "the platform API did not answer in time");
}
catch (Npgsql.NpgsqlException ex)
{
    return await FailAsync(ExitCodes.Database, "database", $"database: {ex.Message}");
}
catch (CliCheckFailedException ex)
{
    return await FailAsync(ExitCodes.CheckFailed, "check_failed", ex.Message);
}
catch (CliOrderFailedException ex)
{
    return await FailAsync(ExitCodes.OrderFailed, "order_failed", ex.Message);
}
catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or TimeoutException or Sharemint.Schema.SchemaMismatchException)
{
    return await FailAsync(ExitCodes.Error, "failed", ex.Message);
}

// Commands that print their own result before failing (verify, watch) already wrote their JSON.
async Task<int> FailAsync(int code, string kind, string message)
{
    if (json && kind is not ("usage" or "order_failed" or "check_failed"))
    {
        Console.WriteLine(JsonSerializer.Serialize(new { error = kind, detail = message }, CliJson.Options));
    }
    await Console.Error.WriteLineAsync($"error: {message}");
    return code;
}
