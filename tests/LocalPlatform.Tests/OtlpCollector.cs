using System.Net;
using System.Text;
using Sharemint.Fixtures;

namespace Sharemint.LocalPlatform.Tests;

/// <summary>One span as received over OTLP: ids in hex, the instrumentation scope, kind and string/int attributes.</summary>
public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, string Scope, int Kind,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A minimal OTLP/HTTP trace receiver on a loopback port: accepts <c>POST /v1/traces</c> (protobuf
/// ExportTraceServiceRequest, uncompressed) and decodes the spans, so a test sees what the silo exports over the wire.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly Task _loop;

    public OtlpCollector()
    {
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/");

    public IReadOnlyList<ReceivedSpan> Spans { get { lock (_spans) { return _spans.ToList(); } } }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var spans = context.Request.Url?.AbsolutePath == "/v1/traces" ? Decode(body.ToArray()) : [];
            lock (_spans)
            {
                _spans.AddRange(spans);
            }
            context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/v1/traces" ? 200 : 404;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest{1: ResourceSpans{2: ScopeSpans{1: Scope{1: name}, 2: Span}}}
    // Span{1: trace_id, 2: span_id, 4: parent_span_id, 5: name, 6: kind, 9: KeyValue{1: key, 2: AnyValue{1: string, 3: int}}}
    private static List<ReceivedSpan> Decode(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                var fields = Fields(scopeSpans.Bytes);
                var scope = fields.Where(f => f.Number == 1).Select(f => Text(Fields(f.Bytes), 1)).FirstOrDefault() ?? "";
                foreach (var span in fields.Where(f => f.Number == 2))
                {
                    var s = Fields(span.Bytes);
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var keyValue in s.Where(f => f.Number == 9))
                    {
                        var kv = Fields(keyValue.Bytes);
                        var value = kv.Where(f => f.Number == 2).Select(f => Fields(f.Bytes)).FirstOrDefault() ?? [];
                        attributes[Text(kv, 1) ?? ""] = Text(value, 1) ?? value.Where(f => f.Number == 3).Select(f => f.Varint.ToString(System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault() ?? "";
                    }
                    spans.Add(new ReceivedSpan(Hex(s, 1), Hex(s, 2), Hex(s, 4), Text(s, 5) ?? "", scope,
                        (int)(s.Where(f => f.Number == 6).Select(f => f.Varint).FirstOrDefault()), attributes));
                }
            }
        }
        return spans;
    }

    private static string? Text(List<Field> fields, int number) =>
        fields.Where(f => f.Number == number && f.WireType == 2).Select(f => Encoding.UTF8.GetString(f.Bytes)).FirstOrDefault();

    private static string Hex(List<Field> fields, int number) =>
        fields.Where(f => f.Number == number && f.WireType == 2).Select(f => Convert.ToHexStringLower(f.Bytes)).FirstOrDefault() ?? "";

    private sealed record Field(int Number, int WireType, ulong Varint, byte[] Bytes);

    private static List<Field> Fields(byte[] message)
    {
        var fields = new List<Field>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    fields.Add(new Field(number, 0, ReadVarint(message, ref position), []));
                    break;
                case 1:
                    fields.Add(new Field(number, 1, BitConverter.ToUInt64(message, position), []));
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    fields.Add(new Field(number, 2, 0, message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    fields.Add(new Field(number, 5, BitConverter.ToUInt32(message, position), []));
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wireType} is not used by OTLP");
            }
        }
        return fields;
    }

    private static ulong ReadVarint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
