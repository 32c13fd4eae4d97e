using System.Diagnostics.Metrics;
using Sharemint.Telemetry;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Counts the database commands the API's security layer issues (key lookups, key changes, nonce records) and the
/// requests it refuses, exported as <c>sharemint_api_auth_db_commands_total</c> and <c>sharemint_api_refusals_total{code}</c>.
/// The abuse test reads them to show that refused floods cost no database work beyond the bounded key lookups.
/// </summary>
public sealed class ApiDatabaseCounter : IDisposable
{
    private readonly Meter _meter = new(SharemintMetrics.MeterName);
    private readonly Counter<long> _commands;
    private readonly Counter<long> _refusals;
    private long _total;

    public ApiDatabaseCounter()
    {
        _commands = _meter.CreateCounter<long>("sharemint.api.auth.db_commands", description: "Database commands issued by API authentication and key management.");
        _refusals = _meter.CreateCounter<long>("sharemint.api.refusals", description: "API requests refused by the security layer, by code.");
    }

    /// <summary>Commands issued since the process started.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Records one database command.</summary>
    public void Count()
    {
        Interlocked.Increment(ref _total);
        _commands.Add(1);
    }

    /// <summary>Records one refused request.</summary>
    public void Refused(string code) => _refusals.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Dispose() => _meter.Dispose();
}
