using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Sharemint.Silo.Storage;

/// <summary>
/// The parts of a stored row that this build's state types do not know: properties of an object, found at any depth
/// through known properties, dictionary entries and array elements. <see cref="ApplyTo"/> puts them back into the row this
/// build is about to write, where the object they belonged to still exists:
/// <list type="bullet">
/// <item>an object's unknown properties go back onto the same object (unless this build now writes that name itself);</item>
/// <item>a dictionary entry's go back onto the entry with the same key, if this build kept it;</item>
/// <item>an array element's go back onto the element that this build writes exactly as it read it (matched by its known
/// fields, since arrays have no keys); an element this build removed or changed loses them, as it should: they described
/// the old element.</item>
/// </list>
/// </summary>
public sealed class UnknownFields
{
    private readonly List<KeyValuePair<string, JsonNode?>> _fields = [];
    private readonly Dictionary<string, UnknownFields> _members = new(StringComparer.Ordinal);
    private readonly List<(JsonNode? Known, UnknownFields Fields)> _items = [];

    private bool IsEmpty => _fields.Count == 0 && _members.Count == 0 && _items.Count == 0;

    /// <summary>The fields of <paramref name="stored"/> that <paramref name="info"/> does not describe, or null when it describes them all.</summary>
    public static UnknownFields? Collect(JsonNode? stored, JsonTypeInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var result = new UnknownFields();
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when stored is JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (property is null)
                    {
                        result._fields.Add(new(name, value?.DeepClone()));
                    }
                    else if (Collect(value, info.Options.GetTypeInfo(property.PropertyType)) is { } inner)
                    {
                        result._members[name] = inner;
                    }
                }
                break;
            case JsonTypeInfoKind.Dictionary when stored is JsonObject entries && info.ElementType is { } valueType:
                var valueInfo = info.Options.GetTypeInfo(valueType);
                foreach (var (key, value) in entries)
                {
                    if (Collect(value, valueInfo) is { } inner)
                    {
                        result._members[key] = inner;
                    }
                }
                break;
            case JsonTypeInfoKind.Enumerable when stored is JsonArray items && info.ElementType is { } itemType:
                var itemInfo = info.Options.GetTypeInfo(itemType);
                foreach (var item in items)
                {
                    if (Collect(item, itemInfo) is { } inner)
                    {
                        // The element as this build would write it: what to look for among the elements it writes later.
                        var known = JsonSerializer.SerializeToNode(item.Deserialize(itemInfo), itemInfo);
                        result._items.Add((known, inner));
                    }
                }
                break;
        }
        return result.IsEmpty ? null : result;
    }

    /// <summary>Puts the unknown fields back into <paramref name="target"/>, the same state as this build serializes it now.</summary>
    public void ApplyTo(JsonNode? target)
    {
        switch (target)
        {
            case JsonObject obj:
                foreach (var (name, value) in _fields)
                {
                    if (!obj.Any(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)))
                    {
                        obj[name] = value?.DeepClone();
                    }
                }
                foreach (var (name, inner) in _members)
                {
                    var child = obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.Ordinal)).Value
                        ?? obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
                    inner.ApplyTo(child);
                }
                break;
            case JsonArray array:
                var unused = _items.ToList();
                foreach (var element in array)
                {
                    var match = unused.FindIndex(i => JsonNode.DeepEquals(i.Known, element));
                    if (match >= 0)
                    {
                        var fields = unused[match].Fields;
                        unused.RemoveAt(match);
                        fields.ApplyTo(element);
                    }
                }
                break;
        }
    }
}
