namespace Sharemint.Market.Tests;

/// <summary>A clock the test sets by hand.</summary>
public sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public DateTimeOffset Now
    {
        get => _now;
        set => _now = value;
    }

    public override DateTimeOffset GetUtcNow() => _now.ToUniversalTime();
}
