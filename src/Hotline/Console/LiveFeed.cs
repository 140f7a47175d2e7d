using System.Threading.Channels;
using Hotline.Infrastructure;
using Npgsql;

namespace Hotline.OperatorConsole;

// Fans the database's change notices out to every open board in this instance. Each subscriber has a small
// buffer; a slow browser loses old notices rather than holding up the others, which is harmless because a notice
// only says "re-read".
public sealed class LiveFeed
{
    public const string Channel = "hotline_live";

    readonly Lock gate = new();
    readonly List<Channel<string>> subscribers = [];

    public ChannelReader<string> Subscribe()
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<string>(
            new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (gate)
        {
            subscribers.Add(channel);
        }

        return channel.Reader;
    }

    public void Unsubscribe(ChannelReader<string> reader)
    {
        lock (gate)
        {
            subscribers.RemoveAll(c => c.Reader == reader);
        }
    }

    public int Subscribers
    {
        get
        {
            lock (gate)
            {
                return subscribers.Count;
            }
        }
    }

    public void Publish(string table)
    {
        // Only table names (or "*") go out: whatever else someone NOTIFYs must not reach a browser's event stream.
        if (table.Length is 0 or > 63 || !table.All(c => c is '*' or '_' || char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            return;
        }

        lock (gate)
        {
            foreach (var channel in subscribers)
            {
                channel.Writer.TryWrite(table);
            }
        }
    }
}

// One LISTEN connection per app instance. When it drops, boards are told to re-read everything (they may have
// missed notices while it was down) and it reconnects with a growing pause. The connection is not pooled: the app's
// pool does not reset connections it takes back (DatabaseSetup), and a LISTEN left on one would outlive its listener.
public sealed class LiveListener(IConfiguration configuration, LiveFeed feed, ILogger<LiveListener> logger) : BackgroundService
{
    public const string Resync = "*";

    readonly string connectionString = DatabaseSetup.Unpooled(DatabaseSetup.ConnectionString(configuration));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(connectionString);
                await conn.OpenAsync(stoppingToken);
                conn.Notification += (_, e) => feed.Publish(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {LiveFeed.Channel}", conn))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                feed.Publish(Resync);
                pause = TimeSpan.FromMilliseconds(500);
                while (!stoppingToken.IsCancellationRequested)
                {
                    // A quiet spell ends with a round trip, so a silently dead connection is found within a minute.
                    if (!await conn.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", conn);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Live board listener lost its connection; reconnecting in {Pause}", pause);
                feed.Publish(Resync);
                await Task.Delay(pause, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
            }
        }
    }
}
