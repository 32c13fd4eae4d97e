namespace Sharemint.Faults;

/// <summary>Fault injection for tests (section <c>Sharemint:Faults</c>); off in every real deployment.</summary>
public sealed class FaultInjectionOptions
{
    public const string Section = "Sharemint:Faults";

    /// <summary>Installs the outgoing call filter and accepts <see cref="IFaultInjectionGrain"/> calls.</summary>
    public bool Enabled { get; set; }
}
