namespace Sharemint.Silo.Hosting;

/// <summary>The silo's settings (section <c>Sharemint</c>; environment variables <c>Sharemint__…</c>).</summary>
public sealed class SharemintOptions
{
    public const string Section = "Sharemint";

    /// <summary>Orleans service id: stable across deployments; keys stored state and reminders.</summary>
    public string ServiceId { get; set; } = "sharemint";

    /// <summary>Orleans cluster id: silos with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "sharemint-dev";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// Client gateway port; 0 (the default) runs no gateway. Grain calls through a gateway skip every check of the signed
    /// API, and no client of the platform needs one in production, so it is opened only where an external Orleans client
    /// is deliberately configured (development tools, tests), and then only to that client's pods.
    /// </summary>
    public int GatewayPort { get; set; }

    /// <summary>Address advertised to other silos (the pod IP on Kubernetes); loopback when unset.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Run the schema migrations at start-up (development; production runs them as a Job).</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>Seed the demo catalogue and partner at start-up (development only).</summary>
    public bool SeedDemo { get; set; }

    /// <summary>
    /// The management port: <c>/metrics</c> and <c>/dashboard</c> are served here only (bound on the same host as the API
    /// URLs), never on the partner API port, where they answer 404. Kubernetes names it <c>management</c>.
    /// </summary>
    public int ManagementPort { get; set; } = 9090;

    /// <summary>Serve the Orleans dashboard at <c>/dashboard</c> (on the management port).</summary>
    public bool Dashboard { get; set; } = true;
}
