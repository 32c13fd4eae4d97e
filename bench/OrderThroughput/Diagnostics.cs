using Npgsql;
using Sharemint.Orders;

namespace Sharemint.OrderThroughput;

/// <summary>What the benchmark prints when something did not go as it should, and where the stored bytes go.</summary>
public static class Diagnostics
{
    /// <summary>An order's status and its last recorded steps.</summary>
    public static async Task PrintOrderAsync(IGrainFactory grains, string orderId)
    {
        var order = await grains.GetGrain<IOrderGrain>(orderId).GetAsync();
        Console.WriteLine($"{order.OrderId} {order.Symbol}/{order.Chain} {order.Status} {order.FailureCode} — {order.Steps.Count} steps, last:");
        foreach (var step in order.Steps.TakeLast(4))
        {
            Console.WriteLine($"    {step.At:HH:mm:ss.fff} {step.Name} {step.Outcome} {Truncate(step.Detail, 160)}");
        }
    }

    /// <summary>The silo's last distinct warning and error lines.</summary>
    public static void PrintSiloWarnings(string output, int count)
    {
        var lines = output.Split('\n')
            .Select(l => l.TrimEnd())
            .Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)
                || l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("exception", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Console.WriteLine($"silo warning/error lines: {lines.Count}; last distinct:");
        foreach (var line in lines.Distinct().TakeLast(count))
        {
            Console.WriteLine($"    {Truncate(line, 220)}");
        }
    }

    /// <summary>Rows, average stored size and writes (the sum of row versions, one per write) per grain type.</summary>
    public static async Task PrintStorageAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT grain_type, count(*), avg(octet_length(payload))::int, max(octet_length(payload)), sum(version) FROM orleans_storage GROUP BY grain_type ORDER BY 2 DESC");
        await using var reader = await command.ExecuteReaderAsync();
        Console.WriteLine($"{"grain type",-28} {"rows",7} {"avg bytes",10} {"max bytes",10} {"writes",8}");
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"{reader.GetString(0),-28} {reader.GetInt64(1),7} {(reader.IsDBNull(2) ? 0 : reader.GetInt32(2)),10} {(reader.IsDBNull(3) ? 0 : reader.GetInt32(3)),10} {(reader.IsDBNull(4) ? 0 : reader.GetDecimal(4)),8}");
        }
    }

    private static string Truncate(string? text, int length) =>
        text is null ? "" : text.Length <= length ? text : text[..length] + "…";
}
