using System.Net;
using System.Net.Http.Headers;

namespace Sharemint.Client;

/// <summary>
/// What the API answered beyond the value: the HTTP status and the headers (e.g. <c>Idempotent-Replayed</c>,
/// <c>Location</c>, rate-limit headers). Virtual so that tests of code using the SDK can make their own.
/// </summary>
public class Response
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _headers;

    /// <summary>For mocking.</summary>
    protected Response() : this(0, new Dictionary<string, IReadOnlyList<string>>())
    {
    }

    /// <summary>A response with <paramref name="status"/> and <paramref name="headers"/> (names compared case-insensitively).</summary>
    public Response(int status, IReadOnlyDictionary<string, IReadOnlyList<string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        Status = status;
        _headers = new Dictionary<string, IReadOnlyList<string>>(headers, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The HTTP status code.</summary>
    public virtual int Status { get; }

    /// <summary>Every header of the answer (response and content headers), by name.</summary>
    public virtual IReadOnlyDictionary<string, IReadOnlyList<string>> Headers => _headers;

    /// <summary>The first value of a header, or null.</summary>
    public virtual string? Header(string name) => Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>The API's id for this request (<c>X-Request-Id</c>, the trace id in the issuer's logs): quote it to support.</summary>
    public virtual string? RequestId => Header("X-Request-Id");

    /// <summary>True when the API answered a repeated idempotency key with the recorded outcome (<c>Idempotent-Replayed: true</c>).</summary>
    public virtual bool IsReplay => string.Equals(Header("Idempotent-Replayed"), "true", StringComparison.OrdinalIgnoreCase);

    internal static Response From(HttpResponseMessage message)
    {
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        Add(headers, message.Headers);
        Add(headers, message.Content.Headers);
        return new Response((int)message.StatusCode, headers);
    }

    private static void Add(Dictionary<string, IReadOnlyList<string>> into, HttpHeaders headers)
    {
        foreach (var header in headers)
        {
            into[header.Key] = header.Value.ToArray();
        }
    }
}

/// <summary>A value the API answered, with the answer's status and headers.</summary>
public class Response<T> : Response
{
    /// <summary>For mocking.</summary>
    protected Response()
    {
        Value = default!;
    }

    /// <summary>The value with the status and headers it came with.</summary>
    public Response(T value, int status, IReadOnlyDictionary<string, IReadOnlyList<string>> headers) : base(status, headers) => Value = value;

    internal Response(T value, Response raw) : this(value, raw.Status, raw.Headers)
    {
    }

    /// <summary>The deserialised body.</summary>
    public virtual T Value { get; }

    /// <summary>The value, for callers that do not need the status or headers.</summary>
    public static implicit operator T(Response<T> response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Value;
    }

    /// <summary>The status as an <see cref="HttpStatusCode"/>.</summary>
    public HttpStatusCode StatusCode => (HttpStatusCode)Status;
}
