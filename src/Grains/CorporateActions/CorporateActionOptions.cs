namespace Sharemint.CorporateActions;

/// <summary>How corporate actions run (section <c>Sharemint:CorporateActions</c>).</summary>
public sealed class CorporateActionOptions
{
    public const string Section = "Sharemint:CorporateActions";

    /// <summary>
    /// Minting and redeeming pause this long before the effective time. At least a quote's lifetime, so no quote priced at
    /// the old multiplier is still firm at the switch.
    /// </summary>
    public TimeSpan PauseBefore { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The pause lasts at least this long after the effective time (then until every chain shows the new value).</summary>
    public TimeSpan PauseAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The earliest effective time an action may have, after its declaration: time to write every chain first.</summary>
    public TimeSpan MinimumLead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a running action checks its chains.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(2);
}
