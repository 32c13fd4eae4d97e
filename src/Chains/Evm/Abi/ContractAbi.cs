using System.Text.Json;

namespace Sharemint.Chains.Evm;

/// <summary>One input or output of a function, event or error.</summary>
public sealed record AbiParameter(string Name, AbiType Type, bool Indexed);

/// <summary>A contract function: selector, call encoding, return decoding.</summary>
public sealed class AbiFunction
{
    internal AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter> outputs, bool isReadOnly)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        IsReadOnly = isReadOnly;
        Signature = $"{name}({string.Join(",", inputs.Select(p => p.Type.Name))})";
        Selector = Keccak256.Hash(Signature)[..4];
    }

    public string Name { get; }
    public string Signature { get; }
    public IReadOnlyList<AbiParameter> Inputs { get; }
    public IReadOnlyList<AbiParameter> Outputs { get; }
    public bool IsReadOnly { get; }
    public byte[] Selector { get; }

    /// <summary>Selector followed by the ABI-encoded arguments; throws InvalidAbi/Overflow for values that do not fit.</summary>
    public byte[] EncodeCall(params object[] arguments) =>
        [.. Selector, .. AbiCodec.Encode(Inputs.Select(p => p.Type).ToList(), arguments)];

    public IReadOnlyList<object> DecodeOutput(ReadOnlySpan<byte> data) => AbiCodec.Decode(Outputs.Select(p => p.Type).ToList(), data);
}

/// <summary>A contract event: topic 0 and decoding of a log's indexed topics and data by parameter name.</summary>
public sealed class AbiEvent
{
    internal AbiEvent(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Name = name;
        Inputs = inputs;
        Signature = $"{name}({string.Join(",", inputs.Select(p => p.Type.Name))})";
        Topic0 = new Hash32(Keccak256.Hash(Signature));
    }

    public string Name { get; }
    public string Signature { get; }
    public IReadOnlyList<AbiParameter> Inputs { get; }
    public Hash32 Topic0 { get; }

    /// <summary>Decodes a log of this event; throws InvalidAbi if topic 0 differs or the data is malformed.</summary>
    public IReadOnlyDictionary<string, object> Decode(EvmLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Topics.Count == 0 || log.Topics[0] != Topic0) throw new EvmException(EvmErrorCode.InvalidAbi, $"log is not a {Signature} event");
        var indexed = Inputs.Where(p => p.Indexed).ToList();
        if (log.Topics.Count != indexed.Count + 1) throw new EvmException(EvmErrorCode.InvalidAbi, $"{Signature} expects {indexed.Count} indexed topics, log has {log.Topics.Count - 1}");
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < indexed.Count; i++)
        {
            if (indexed[i].Type.IsDynamic)
            {
                result[indexed[i].Name] = log.Topics[i + 1];
                continue;
            }
            result[indexed[i].Name] = AbiCodec.Decode([indexed[i].Type], log.Topics[i + 1].Span)[0];
        }
        var plain = Inputs.Where(p => !p.Indexed).ToList();
        var values = AbiCodec.Decode(plain.Select(p => p.Type).ToList(), log.Data);
        for (var i = 0; i < plain.Count; i++) result[plain[i].Name] = values[i];
        return result;
    }
}

/// <summary>A Solidity custom error.</summary>
public sealed class AbiError
{
    internal AbiError(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Name = name;
        Inputs = inputs;
        Signature = $"{name}({string.Join(",", inputs.Select(p => p.Type.Name))})";
        Selector = Keccak256.Hash(Signature)[..4];
    }

    public string Name { get; }
    public string Signature { get; }
    public IReadOnlyList<AbiParameter> Inputs { get; }
    public byte[] Selector { get; }
}

/// <summary>Turns revert payloads into exceptions. Implemented by <see cref="ContractAbi"/>.</summary>
public interface IRevertDecoder
{
    /// <summary>Never throws: unknown or malformed payloads give a <see cref="ContractRevertedException"/> named "unknown".</summary>
    ContractRevertedException Decode(byte[] revertData, string? transactionHash);
}

/// <summary>
/// A contract's ABI parsed from solc's JSON. Function lookups by name require the name to be unique (we do not overload).
/// Reverts decode <c>Error(string)</c>, <c>Panic(uint256)</c> and every custom error of the ABI; a factory can map them to typed exceptions.
/// </summary>
public sealed class ContractAbi : IRevertDecoder
{
    private static readonly byte[] ErrorStringSelector = Keccak256.Hash("Error(string)")[..4];
    private static readonly byte[] PanicSelector = Keccak256.Hash("Panic(uint256)")[..4];

    private readonly Dictionary<string, AbiFunction> _functions;
    private readonly Dictionary<string, AbiEvent> _events;
    private readonly List<AbiError> _errors;
    private readonly Func<ContractRevertedException, ContractRevertedException>? _exceptionFactory;

    private ContractAbi(Dictionary<string, AbiFunction> functions, Dictionary<string, AbiEvent> events, List<AbiError> errors,
        Func<ContractRevertedException, ContractRevertedException>? exceptionFactory)
    {
        _functions = functions;
        _events = events;
        _errors = errors;
        _exceptionFactory = exceptionFactory;
    }

    public IReadOnlyCollection<AbiFunction> Functions => _functions.Values;
    public IReadOnlyCollection<AbiEvent> Events => _events.Values;
    public IReadOnlyList<AbiError> Errors => _errors;

    /// <summary>Parses a JSON ABI array; throws InvalidAbi on unsupported types or overloaded names.</summary>
    public static ContractAbi Parse(JsonElement abi, Func<ContractRevertedException, ContractRevertedException>? exceptionFactory = null)
    {
        if (abi.ValueKind != JsonValueKind.Array) throw new EvmException(EvmErrorCode.InvalidAbi, "an ABI must be a JSON array");
        var functions = new Dictionary<string, AbiFunction>(StringComparer.Ordinal);
        var events = new Dictionary<string, AbiEvent>(StringComparer.Ordinal);
        var errors = new List<AbiError>();
        foreach (var entry in abi.EnumerateArray())
        {
            var kind = entry.GetProperty("type").GetString();
            var name = entry.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            switch (kind)
            {
                case "function":
                    var mutability = entry.TryGetProperty("stateMutability", out var m) ? m.GetString() : "nonpayable";
                    var function = new AbiFunction(name, Parameters(entry, "inputs"), Parameters(entry, "outputs"), mutability is "view" or "pure");
                    if (!functions.TryAdd(name, function)) throw new EvmException(EvmErrorCode.InvalidAbi, $"overloaded function '{name}' is not supported");
                    break;
                case "event":
                    events[name] = new AbiEvent(name, Parameters(entry, "inputs"));
                    break;
                case "error":
                    errors.Add(new AbiError(name, Parameters(entry, "inputs")));
                    break;
            }
        }
        return new ContractAbi(functions, events, errors, exceptionFactory);
    }

    public static ContractAbi Parse(string abiJson, Func<ContractRevertedException, ContractRevertedException>? exceptionFactory = null)
    {
        using var document = JsonDocument.Parse(abiJson);
        return Parse(document.RootElement, exceptionFactory);
    }

    private static List<AbiParameter> Parameters(JsonElement entry, string property)
    {
        if (!entry.TryGetProperty(property, out var list)) return [];
        return list.EnumerateArray().Select(p => new AbiParameter(
            p.GetProperty("name").GetString() ?? "",
            AbiType.Parse(p.GetProperty("type").GetString() ?? ""),
            p.TryGetProperty("indexed", out var ix) && ix.GetBoolean())).ToList();
    }

    public AbiFunction Function(string name) =>
        _functions.TryGetValue(name, out var f) ? f : throw new EvmException(EvmErrorCode.InvalidAbi, $"the ABI has no function '{name}'");

    public AbiEvent Event(string name) =>
        _events.TryGetValue(name, out var e) ? e : throw new EvmException(EvmErrorCode.InvalidAbi, $"the ABI has no event '{name}'");

    public ContractRevertedException Decode(byte[] revertData, string? transactionHash)
    {
        ArgumentNullException.ThrowIfNull(revertData);
        var generic = DecodeGeneric(revertData, transactionHash);
        return _exceptionFactory is null ? generic : _exceptionFactory(generic);
    }

    private ContractRevertedException DecodeGeneric(byte[] data, string? transactionHash)
    {
        if (data.Length < 4) return new ContractRevertedException(data.Length == 0 ? "empty" : "unknown", [], data, transactionHash);
        var selector = data.AsSpan(0, 4);
        var body = data.AsSpan(4);
        try
        {
            if (selector.SequenceEqual(ErrorStringSelector))
                return new ContractRevertedException("Error", AbiCodec.Decode([AbiType.Parse("string")], body), data, transactionHash);
            if (selector.SequenceEqual(PanicSelector))
                return new ContractRevertedException("Panic", AbiCodec.Decode([AbiType.Parse("uint256")], body), data, transactionHash);
            foreach (var error in _errors)
            {
                if (selector.SequenceEqual(error.Selector))
                    return new ContractRevertedException(error.Name, AbiCodec.Decode(error.Inputs.Select(p => p.Type).ToList(), body), data, transactionHash);
            }
        }
        catch (EvmException)
        {
            return new ContractRevertedException("unknown", [], data, transactionHash);
        }
        return new ContractRevertedException("unknown", [], data, transactionHash);
    }
}
