namespace Sharemint.Signers.Tests;

/// <summary>
/// The name the signer and end-to-end tests have used for <see cref="Fixtures.RpcGate"/> (which now lives in tests/Fixtures,
/// shared with the order-level fault harness); <see cref="Inner"/> reaches its one-shot faults.
/// </summary>
public sealed class RpcGate(Uri target) : IAsyncDisposable
{
    public Fixtures.RpcGate Inner { get; } = new(target);

    public Uri Url => Inner.Url;

    public GateMode Mode
    {
        get => (GateMode)Inner.Mode;
        set => Inner.Mode = (Fixtures.RpcGateMode)value;
    }

    public ValueTask DisposeAsync() => Inner.DisposeAsync();
}

/// <summary>See <see cref="Fixtures.RpcGateMode"/> (same values).</summary>
public enum GateMode
{
    Open = Fixtures.RpcGateMode.Open,
    Down = Fixtures.RpcGateMode.Down,
    RefuseSends = Fixtures.RpcGateMode.RefuseSends,
    DropSendReplies = Fixtures.RpcGateMode.DropSendReplies,
}
