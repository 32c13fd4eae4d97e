using Microsoft.Coyote.Random;
using Sharemint.Saga.Tests.StandIns;

namespace Sharemint.Saga.Tests;

/// <summary>Faults chosen by Coyote's controlled random choices: part of the schedule, so a recorded trace replays them.</summary>
public sealed class CoyoteFaults(Generator choices, int percent) : IFaultChooser
{
    public Fault Next(string boundary) => choices.NextInteger(100) >= percent ? Fault.None : (Fault)(1 + choices.NextInteger(3));

    public bool ChainWriteFails(string operationId) => choices.NextInteger(100) < percent / 2;
}
