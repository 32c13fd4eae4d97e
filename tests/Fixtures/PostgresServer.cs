using Npgsql;
using Sharemint.Schema;

namespace Sharemint.Fixtures;

/// <summary>
/// A private PostgreSQL server from Debian's packages: initdb into a temporary directory, started on a free loopback
/// port, stopped and deleted on dispose. PostgreSQL refuses to run as root, so as root its tools run as the
/// <c>postgres</c> system user that Debian's package creates.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private readonly string _rootDirectory;
    private string _extraSettings = "";

    private PostgresServer(string binDirectory, string rootDirectory, int port)
    {
        _binDirectory = binDirectory;
        _rootDirectory = rootDirectory;
        _dataDirectory = Path.Combine(rootDirectory, "data");
        Port = port;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The running server's postmaster process id (first line of <c>postmaster.pid</c>), or null when it is stopped.</summary>
    public int? PostmasterId =>
        File.Exists(Path.Combine(_dataDirectory, "postmaster.pid"))
        && int.TryParse(File.ReadLines(Path.Combine(_dataDirectory, "postmaster.pid")).FirstOrDefault(), out var id) ? id : null;

    /// <summary>Whether the server is running (false between <see cref="StopAsync"/> and <see cref="StartAsync"/>).</summary>
    public bool IsRunning { get; private set; }

    /// <summary>Connection string for a database on this server.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=sharemint;Database={database};Timezone=UTC;Maximum Pool Size=200;Include Error Detail=true";

    /// <summary>Creates and starts a new server.</summary>
    public static Task<PostgresServer> CreateAsync() => CreateAsync(new Dictionary<string, string>());

    /// <summary>Creates and starts a new server with extra settings (e.g. <c>shared_preload_libraries</c> for a benchmark's diagnostics).</summary>
    public static async Task<PostgresServer> CreateAsync(IReadOnlyDictionary<string, string> settings)
    {
        var bin = FindBinDirectory();
        var root = Path.Combine(Path.GetTempPath(), $"sharemint-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var server = new PostgresServer(bin, root, FreePort.Next())
        {
            _extraSettings = string.Concat(settings.Select(s => $" -c {s.Key}={s.Value}")),
        };
        if (IsRoot)
        {
            await ProcessRunner.RunAsync("chown", ["postgres:postgres", root], TimeSpan.FromSeconds(30));
        }
        await server.AsOwnerAsync("initdb", ["-D", server._dataDirectory, "-U", "sharemint", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"], TimeSpan.FromMinutes(2));
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts (or restarts after <see cref="StopAsync"/>) the server on the same port and data.</summary>
    public async Task StartAsync()
    {
        await AsOwnerAsync("pg_ctl", [
            "-D", _dataDirectory, "-l", Path.Combine(_rootDirectory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_rootDirectory} -c max_connections=300 -c shared_buffers=128MB{_extraSettings}",
            "start"], TimeSpan.FromSeconds(90));
        IsRunning = true;
    }

    /// <summary>Stops the server immediately (as a crash would), keeping its data.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning)
        {
            return;
        }
        await AsOwnerAsync("pg_ctl", ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(60));
        IsRunning = false;
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Creates an empty database with the Sharemint schema migrated into it; returns its connection string.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = ConnectionString(name);
        await SchemaMigrator.MigrateAsync(connectionString);
        return connectionString;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_rootDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a dying postmaster; the temp directory is cleaned by the OS eventually.
            }
        }
    }

    private static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    private Task<ProcessRunner.Result> AsOwnerAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var path = Path.Combine(_binDirectory, tool);
        return IsRoot
            ? ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], timeout)
            : ProcessRunner.RunAsync(path, arguments, timeout);
    }

    private static string FindBinDirectory()
    {
        IEnumerable<string> candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            : Array.Empty<string>();
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin. Install Debian's package: apt-get install -y postgresql (.ci/run does this).");
    }
}
