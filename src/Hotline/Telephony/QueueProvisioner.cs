using Hotline.Calls;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Telephony;

// A queue that <Enqueue> creates holds 100 callers, and at a busy peak the 101st hears voicemail instead of waiting
// (QueueResult=queue-full). So at start-up, and every hour after in case someone resized a queue in Twilio's console,
// our two queues are made to hold Ivr:QueueMaxSize: created when missing, resized when different. Start-up never
// waits for it; while Twilio is out of reach calls go on with whatever size the queues have, and this tries again.
public sealed class QueueProvisioner(TwilioGateway twilio, IConfiguration configuration, IOptions<IvrOptions> ivr, ILogger<QueueProvisioner> logger)
    : BackgroundService
{
    // Arbitrary, fixed: instances starting together take turns, so that only one of them creates a missing queue.
    internal const long LockKey = 0x48_4f_54_4c_51_55_45; // "HOTLQUE"
    static readonly string[] Names = [CallRouting.UrgentQueue, CallRouting.GeneralQueue];
    static readonly TimeSpan Recheck = TimeSpan.FromHours(1);
    static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(1);

    // The turn is a session lock, on a connection of its own outside the pool: Twilio's answers can take seconds, and
    // a transaction held open that long would hold back vacuum's cleanup in every table. A pass unlocks when it is
    // done (at once for the next instance: the server ends a closed connection's session only a moment later), and
    // should that fail, closing the connection releases the lock all the same.
    readonly string connectionString = DatabaseSetup.Unpooled(DatabaseSetup.ConnectionString(configuration));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = retry;
            try
            {
                if (await EnsureAsync(stoppingToken))
                {
                    wait = Recheck;
                    retry = FirstRetry;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not make Twilio's queues {Queues} hold {Size} callers; until then a caller beyond a queue's " +
                    "current size (100 for a queue Twilio made itself) is sent to voicemail. Trying again in {Delay}: {Error}",
                    string.Join(", ", Names), ivr.Value.QueueMaxSize, retry, e.Message);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
            }

            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // One pass: true when both queues hold the configured size, false when another instance is doing the same.
    public async Task<bool> EnsureAsync(CancellationToken ct)
    {
        var size = ivr.Value.QueueMaxSize;
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var turn = await SessionLock.TryTakeAsync(conn, LockKey);
        if (turn is null)
        {
            return false;
        }

        var existing = await twilio.ListQueuesAsync(ct);
        foreach (var name in Names)
        {
            var found = existing.Where(q => q.FriendlyName == name).ToList();
            if (found.Count == 0)
            {
                var created = await twilio.CreateQueueAsync(name, size, ct);
                logger.LogInformation("Created Twilio queue {Queue} ({Sid}) holding {Size} callers", name, created.Sid, size);
            }

            foreach (var queue in found.Where(q => q.MaxSize != size))
            {
                await twilio.ResizeQueueAsync(queue.Sid, size, ct);
                logger.LogInformation("Resized Twilio queue {Queue} ({Sid}) from {Old} to {Size} callers", name, queue.Sid, queue.MaxSize, size);
            }
        }

        return true;
    }
}
