using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sharemint.Telemetry;

namespace Sharemint.Market;

/// <summary>
/// This process's copy of the last prices, trusted only while one connection listens on the <c>market_prices</c>
/// channel (migration 0165 notifies it on every insert, update, delete and truncate of the table). A notification drops
/// its ticker; losing the connection drops everything and sends every read to the table until the connection is back.
/// </summary>
/// <remarks>
/// Why this is never staler than the table plus the notification's delivery: an entry is added before its table read
/// starts, and only while listening. A commit the read did not see notifies after the entry exists, so the entry goes.
/// Entries added around a lost connection are dropped when the next LISTEN has succeeded, before the copy is trusted
/// again, so no entry read before the current LISTEN survives. Absence is never kept: an unknown ticker reads the table
/// each time, so a later insert is seen at once and unknown names cannot fill memory.
/// </remarks>
internal sealed class MarketPriceCache : IAsyncDisposable, IDisposable
{
    /// <summary>The notification channel (see migration 0165).</summary>
    public const string Channel = "market_prices";

    private const string ListenSql = "LISTEN " + Channel;

    // After a loss the first retry waits briefly; a database that stays away is tried less and less often.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    // An idle listener proves its connection this often (a silently dropped connection would otherwise look alive).
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private static readonly Counter<long> Reads = SharemintMetrics.Meter.CreateCounter<long>("sharemint.market.price.reads", "{read}",
        "Last-price reads, by source: memory (this process's copy), shared (joined another caller's table read), table (read PostgreSQL).");

    private static readonly UpDownCounter<long> Listeners = SharemintMetrics.Meter.CreateUpDownCounter<long>("sharemint.market.price.listeners", "{connection}",
        "Price-change listeners connected in this process; 0 while one is down means every price read goes to PostgreSQL.");

    private static readonly KeyValuePair<string, object?> FromMemory = new("source", "memory");
    private static readonly KeyValuePair<string, object?> FromSharedRead = new("source", "shared");
    private static readonly KeyValuePair<string, object?> FromTable = new("source", "table");

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, CancellationToken, Task<MarketPrice?>> _read;
    private readonly ConcurrentDictionary<string, Task<MarketPrice?>> _prices = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _listener;
    private int _started;
    private volatile bool _listening;

    /// <param name="dataSource">Where the listening connection comes from.</param>
    /// <param name="read">Reads one ticker's row from the table: null when there is none.</param>
    /// <param name="time">Paces reconnection.</param>
    /// <param name="logger">Listener state changes.</param>
    public MarketPriceCache(NpgsqlDataSource dataSource, Func<string, CancellationToken, Task<MarketPrice?>> read, TimeProvider time, ILogger logger)
    {
        _dataSource = dataSource;
        _read = read;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether the copy is trusted now (the listening connection is up).</summary>
    public bool IsListening => _listening;

    /// <summary>Starts the listener in the background, once; reads go to the table until it is connected.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _listener = Task.Run(ListenAsync);
        }
    }

    /// <summary>
    /// The ticker's last price (null when the table has none). Served from memory while listening; otherwise, or when
    /// the ticker is not in memory, read from the table, one read per ticker at a time shared by concurrent callers.
    /// </summary>
    public async Task<MarketPrice?> GetAsync(string ticker, CancellationToken cancellationToken)
    {
        Start();
        if (!_listening)
        {
            Reads.Add(1, FromTable);
            return await _read(ticker, cancellationToken);
        }
        while (true)
        {
            if (_prices.TryGetValue(ticker, out var known))
            {
                Reads.Add(1, known.IsCompletedSuccessfully ? FromMemory : FromSharedRead);
                return await known.WaitAsync(cancellationToken);
            }
            var load = new TaskCompletionSource<MarketPrice?>(TaskCreationOptions.RunContinuationsAsynchronously);
            // The entry exists before the read starts: a change committed after the read's snapshot finds it and drops it.
            if (_prices.TryAdd(ticker, load.Task))
            {
                Reads.Add(1, FromTable);
                // On the thread pool: callers from other grains share this read, so it must not wait for the first
                // caller's activation to be scheduled again.
                _ = Task.Run(() => FillAsync(ticker, load), CancellationToken.None);
                return await load.Task.WaitAsync(cancellationToken);
            }
        }
    }

    /// <summary>Drops a ticker this process has just written, so its next read sees the write without waiting for the notification.</summary>
    public void Forget(string ticker) => _prices.TryRemove(ticker, out _);

    /// <summary>Drops every ticker (after the seed wrote several).</summary>
    public void ForgetAll() => _prices.Clear();

    // Shared by every caller waiting on this ticker, so it runs to completion even when the first caller gives up.
    private async Task FillAsync(string ticker, TaskCompletionSource<MarketPrice?> load)
    {
        try
        {
            var price = await _read(ticker, _stop.Token);
            if (price is null)
            {
                _prices.TryRemove(new KeyValuePair<string, Task<MarketPrice?>>(ticker, load.Task));
            }
            load.SetResult(price);
        }
        catch (Exception ex)
        {
            // A failed read is not kept: the next caller reads again.
            _prices.TryRemove(new KeyValuePair<string, Task<MarketPrice?>>(ticker, load.Task));
            load.SetException(ex);
        }
    }

    private async Task ListenAsync()
    {
        var retryDelay = FirstRetryDelay;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(_stop.Token);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand(ListenSql, connection))
                {
                    await listen.ExecuteNonQueryAsync(_stop.Token);
                }
                // Notifications sent while no one listened are lost: forget everything read before this LISTEN.
                _prices.Clear();
                _listening = true;
                Listeners.Add(1);
                retryDelay = FirstRetryDelay;
                _logger.LogInformation("Listening for market price changes; last prices are served from memory");
                try
                {
                    while (true)
                    {
                        if (!await connection.WaitAsync(KeepAliveInterval, _stop.Token))
                        {
                            // Re-LISTEN is a no-op on a live session and fails fast on a dead one.
                            await using var keepAlive = new NpgsqlCommand(ListenSql, connection);
                            await keepAlive.ExecuteNonQueryAsync(_stop.Token);
                        }
                    }
                }
                finally
                {
                    // Before the broken connection is even closed: from here every read goes to the table.
                    StopTrusting();
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not ObjectDisposedException)
            {
                _logger.LogWarning(ex, "The market price listener is down; prices are read from PostgreSQL until it reconnects (next try in {Delay})", retryDelay);
            }
            catch (ObjectDisposedException ex)
            {
                _logger.LogInformation(ex, "The market price listener stops: its data source is disposed");
                break;
            }
            finally
            {
                StopTrusting();
            }
            try
            {
                await Task.Delay(retryDelay, _time, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    private void StopTrusting()
    {
        if (_listening)
        {
            _listening = false;
            Listeners.Add(-1);
        }
        _prices.Clear();
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel != Channel)
        {
            return;
        }
        if (e.Payload.Length == 0)
        {
            _prices.Clear();
        }
        else
        {
            _prices.TryRemove(e.Payload, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener is not null)
        {
            await _listener;
        }
    }

    public void Dispose()
    {
        // Synchronous disposal only asks the listener to stop; its connection closes as the wait is cancelled.
        _stop.Cancel();
    }
}
