using System.Net;
using System.Net.Sockets;

namespace Sharemint.Api.Tests;

/// <summary>
/// HttpClients whose connections come from a chosen loopback address (Linux routes all of 127.0.0.0/8 to the loopback
/// interface), so that per-address limits can be exercised by "different clients" on one machine.
/// </summary>
internal static class LoopbackClient
{
    public static HttpClient From(Uri baseAddress, string localAddress, int maxConnections = 64) =>
        new(Handler(localAddress, maxConnections)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public static SocketsHttpHandler Handler(string localAddress, int maxConnections = 64)
    {
        var local = IPAddress.Parse(localAddress);
        return new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException)
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
