using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Orleans.Storage;

namespace Sharemint.Silo.Storage;

/// <summary>
/// Grain state as plain UTF-8 JSON via System.Text.Json: readable in the database (see the <c>grain_state</c> view),
/// stable across refactors (no .NET type names are written), and independent of Orleans' binary format.
/// <para>
/// Mixed versions: every row carries <c>"$stateVersion"</c>, the state format of the newest build that wrote it. Fields a
/// row holds that this build's state types do not know (written by a newer build during a rolling upgrade) are not
/// dropped: <see cref="Deserialize{T}"/> reports them to the <see cref="StoredRowScope"/> of the read, and
/// <see cref="Serialize{T}"/> puts them back into the row when the same grain writes again (see
/// <see cref="VersionTolerantGrainStorage"/>, which carries them from the read to the writes of one activation).
/// </para>
/// </summary>
public sealed class GrainStateJsonSerializer : IGrainStorageSerializer
{
    /// <summary>The property holding the row's state version (never a state field: our state properties are camelCase words).</summary>
    public const string VersionProperty = "$stateVersion";

    /// <summary>
    /// The state format this build writes. Raise it when a build adds state fields that an older build must carry through
    /// (it always does now) or must not misread (then also make the change a breaking schema migration).
    /// </summary>
    public const int StateVersion = 1;

    /// <summary>The options every stored state uses.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        // Timestamps through the encoder, as a tree writes them: the direct and the tree path write the same bytes.
        Converters = { new JsonStringEnumConverter(), new EncodedDateTimeOffsetConverter() },
        WriteIndented = false,
        // Unknown fields are skipped by the deserializer (and carried through by this class), so that during a rolling
        // upgrade an older silo can read a row a newer one wrote, and write it back without losing anything.
        NumberHandling = JsonNumberHandling.Strict,
        // Set explicitly: GetTypeInfo (used to find unknown fields) needs a resolver even before the first serialization.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    // `"$stateVersion":N}` as the serializer writes it (same encoder), appended to an object row by the fast path.
    private static readonly byte[] VersionTail = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { [VersionProperty] = StateVersion }, Options)[1..];

    // Reused per thread: Serialize runs synchronously, so a buffer is never shared by two calls at once.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public BinaryData Serialize<T>(T? input)
    {
        var scope = StoredRowScope.Current;
        if (scope?.Unknown is not null)
        {
            // Fields a newer build wrote go back into the row: that needs the row as a tree.
            return SerializeThroughTree(input, scope);
        }
        // The usual case, on every write: the state's bytes as they are, with the version appended as the object's last
        // property. Byte for byte what the tree path writes (GrainStateJsonSerializerTests checks), without building a tree.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Options.Encoder, Indented = Options.WriteIndented, MaxDepth = Options.MaxDepth });
        try
        {
            JsonSerializer.Serialize(writer, input, Options);
            writer.Flush();
            var json = buffer.WrittenSpan;
            if (json.Length < 2 || json[0] != (byte)'{')
            {
                // Not an object (null, a number, a list): the tree path adds no version either.
                return new(json.ToArray());
            }
            var empty = json.Length == 2;
            var row = new byte[json.Length - 1 + (empty ? 0 : 1) + VersionTail.Length];
            json[..^1].CopyTo(row);
            if (!empty)
            {
                row[json.Length - 1] = (byte)',';
            }
            VersionTail.CopyTo(row.AsSpan(row.Length - VersionTail.Length));
            return new(row);
        }
        finally
        {
            writer.Reset();
            if (buffer.Capacity > 1 << 20)
            {
                // One huge state must not pin a large buffer to this thread for good.
                t_buffer = null;
                t_writer = null;
            }
            else
            {
                buffer.ResetWrittenCount();
            }
        }
    }

    /// <summary>
    /// The general way to write a row: the state as a JSON tree, the unknown fields of <paramref name="scope"/> merged in,
    /// and the version set on it. <see cref="Serialize{T}"/> takes it only when there are unknown fields to put back.
    /// </summary>
    public static BinaryData SerializeThroughTree<T>(T? input, StoredRowScope? scope)
    {
        var node = JsonSerializer.SerializeToNode(input, Options);
        if (node is not JsonObject row)
        {
            return new(JsonSerializer.SerializeToUtf8Bytes(node, Options));
        }
        var version = StateVersion;
        if (scope?.Unknown is { } unknown)
        {
            unknown.ApplyTo(row);
            version = Math.Max(version, scope.StoredVersion);
        }
        row[VersionProperty] = version;
        return new(JsonSerializer.SerializeToUtf8Bytes(row, Options));
    }

    /// <summary>The bytes of a serialized row as an array, without copying them when they already are one (as ours are).</summary>
    public static byte[] ToArray(BinaryData row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return MemoryMarshal.TryGetArray(row.ToMemory(), out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : row.ToArray();
    }

    public T Deserialize<T>(BinaryData input)
    {
        var node = JsonNode.Parse(input.ToMemory().Span, new JsonNodeOptions { PropertyNameCaseInsensitive = true });
        var version = 0;
        if (node is JsonObject row)
        {
            if (row.TryGetPropertyValue(VersionProperty, out var stored) && stored is JsonValue value && value.TryGetValue(out int v))
            {
                version = v;
            }
            row.Remove(VersionProperty);
            if (StoredRowScope.Current is { } scope)
            {
                scope.StoredVersion = version;
                scope.Unknown = UnknownFields.Collect(row, Options.GetTypeInfo(typeof(T)));
            }
        }
        return node.Deserialize<T>(Options) ?? throw new JsonException($"Stored state for {typeof(T).Name} is null.");
    }
}

/// <summary>
/// What one storage call learned about, or must put back into, one grain's row. Set by
/// <see cref="VersionTolerantGrainStorage"/> around each read and write; the serializer runs inside that call.
/// </summary>
public sealed class StoredRowScope
{
    private static readonly AsyncLocal<StoredRowScope?> Ambient = new();

    /// <summary>The scope of the storage call in progress on this flow, if any.</summary>
    public static StoredRowScope? Current => Ambient.Value;

    /// <summary>The state version the row carried (0: written before rows carried one).</summary>
    public int StoredVersion { get; set; }

    /// <summary>The row's fields this build does not know, or null when there were none.</summary>
    public UnknownFields? Unknown { get; set; }

    /// <summary>Makes <paramref name="scope"/> current for the rest of this async flow (the caller's flow is unaffected).</summary>
    public static void Enter(StoredRowScope? scope) => Ambient.Value = scope;
}
