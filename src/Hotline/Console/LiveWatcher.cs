using Hotline.Infrastructure;
using Npgsql;

namespace Hotline.OperatorConsole;

// Tells this instance's boards which watched tables changed. The tables' live triggers bump a sequence each
// (migration 0010); every 100 ms this reads the sequences and then the transactions in progress, on one unpooled
// connection of its own (so a flood that empties the app's pool does not stop the board). When the connection
// drops, boards are told to re-read everything, since they may have missed changes meanwhile, and it reconnects
// with a growing pause.
public sealed class LiveWatcher(IConfiguration configuration, LiveFeed feed, ILogger<LiveWatcher> logger) : BackgroundService
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

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
                while (await timer.WaitForNextTickAsync(stoppingToken));
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
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
            }
        }
    }

    // Two statements, so the second's snapshot is taken after the first has read the sequences: a transaction that
    // bumped one had its id before, so it is either over or among those the second lists as running.
    static async Task<(Dictionary<string, long> Sequences, long[] Running)> PollAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new("SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'live'"),
                new("SELECT coalesce(array_agg(x::text::bigint), '{}') FROM pg_snapshot_xip(pg_current_snapshot()) x"),
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
