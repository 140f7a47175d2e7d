using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Hotline.Tests.Support;

// Sits between the app and PostgreSQL so a test can take the database away from the app (an outage, a failover)
// or make it hang (a stall), while the test itself still reads the database directly.
public sealed class DatabaseProxy : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly IPEndPoint target;
    readonly ConcurrentDictionary<Socket, byte> open = new();
    readonly CancellationTokenSource stop = new();
    volatile Mode mode = Mode.Up;

    enum Mode { Up, Down, Stalled }

    public DatabaseProxy(string host, int port)
    {
        target = new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    // Every connection drops and new ones are refused, as when the server is stopped.
    public void Cut()
    {
        mode = Mode.Down;
        CloseAll();
    }

    // Connections are accepted but nothing gets through, as when the server hangs.
    public void Stall()
    {
        mode = Mode.Stalled;
        CloseAll();
    }

    public void Restore() => mode = Mode.Up;

    async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop.Token);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }

            if (mode == Mode.Down)
            {
                client.Close();
                continue;
            }

            _ = PipeAsync(client, stalled: mode == Mode.Stalled);
        }
    }

    async Task PipeAsync(Socket client, bool stalled)
    {
        open[client] = 0;
        if (stalled)
        {
            return;
        }

        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        open[server] = 0;
        try
        {
            await server.ConnectAsync(target, stop.Token);
            await Task.WhenAny(CopyAsync(client, server), CopyAsync(server, client));
        }
        catch (Exception)
        {
            // A dropped connection is what this proxy is for.
        }
        finally
        {
            Close(client);
            Close(server);
        }
    }

    static async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer);
            if (read == 0)
            {
                return;
            }

            await to.SendAsync(buffer.AsMemory(0, read));
        }
    }

    void CloseAll()
    {
        foreach (var socket in open.Keys)
        {
            Close(socket);
        }
    }

    void Close(Socket socket)
    {
        open.TryRemove(socket, out _);
        try
        {
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        CloseAll();
        return ValueTask.CompletedTask;
    }
}
