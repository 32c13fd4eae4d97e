namespace Sharemint.Saga.Tests.StandIns;

/// <summary>
/// One activation of an order in one process: its memory dies with it (a crash), its stored state does not. Calls made on
/// behalf of a dead incarnation never arrive.
/// </summary>
public sealed class Incarnation
{
    private static readonly AsyncLocal<Incarnation?> CurrentSlot = new();

    public Incarnation(int number) => Number = number;

    public int Number { get; }

    public bool Dead { get; private set; }

    /// <summary>The incarnation the current call runs on behalf of (flows with the async context).</summary>
    public static Incarnation? Current
    {
        get => CurrentSlot.Value;
        set => CurrentSlot.Value = value;
    }

    public void Kill() => Dead = true;
}
