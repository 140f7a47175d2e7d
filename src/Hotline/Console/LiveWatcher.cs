using Hotline.Infrastructure;
using Npgsql;

namespace Hotline.OperatorConsole;

// Tells this instance's boards which watched tables changed. The tables' live triggers bump a sequence each
// (migration 0010); every 100 ms this reads the sequences and then the transactions in progress, on one unpooled
// connection of its own (so a flood that empties the app's pool does not stop the board). When the connection
// drops, boards are told to re-read everything, since they may have missed changes meanwhile, and it reconnects
// with a growing pause of up to two seconds. While no board is open on this instance it neither polls nor holds a
// connection; the first poll after one opens announces everything, as after a reconnect.
public sealed class LiveWatcher(IConfiguration configuration, LiveFeed feed, ILogger<LiveWatcher> logger) : BackgroundService
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    // A poll or a connect that takes seconds means a database gone or stalled: both give up after 5 s and are tried
    // again within 2 s, so the boards catch up within seconds of its return.
    static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(2);

    public const string ApplicationName = "hotline live watcher";

    readonly string connectionString = new NpgsqlConnectionStringBuilder(DatabaseSetup.Unpooled(DatabaseSetup.ConnectionString(configuration)))
    {
        Timeout = 5,
        CommandTimeout = 5,
        ApplicationName = ApplicationName,
    }.ConnectionString;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await feed.WhenSubscribedAsync(stoppingToken);
                await using var conn = new NpgsqlConnection(connectionString);
                await conn.OpenAsync(stoppingToken);
                var changes = new LiveChanges();
                using var timer = new PeriodicTimer(Interval);
                do
                {
                    var (sequences, running) = await PollAsync(conn, stoppingToken);
                    foreach (var table in changes.Next(sequences, running))
                    {
                        feed.Publish(table);
                    }

                    pause = TimeSpan.FromMilliseconds(500);
                }
                while (feed.Subscribers > 0 && await timer.WaitForNextTickAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Live board watcher lost its connection; reconnecting in {Pause}", pause);
                feed.Publish(LiveChanges.Everything);
                await Task.Delay(pause, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
        }
    }

    // Two statements, so the second looks after the first has read the sequences: a transaction that bumped one had
    // its id before, so it is either over or among those the second lists as running. Not pg_snapshot_xip: it leaves
    // out running transactions newer than the newest finished one, which on a quiet database is the bumper itself.
    static async Task<(Dictionary<string, long> Sequences, long[] Running)> PollAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new("SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'live'"),
                new("""
                    SELECT coalesce(array_agg(backend_xid::text::bigint), '{}') FROM pg_stat_activity
                    WHERE datname = current_database() AND backend_xid IS NOT NULL
                    """),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var sequences = new Dictionary<string, long>();
        while (await reader.ReadAsync(ct))
        {
            sequences[reader.GetString(0)] = reader.GetInt64(1);
        }

        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return (sequences, reader.GetFieldValue<long[]>(0));
    }
}
