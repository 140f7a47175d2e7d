using Hangfire;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Wellness;

// The daily round: one check per flagged resident, attempts spread out in time so that the round never takes more
// than its share of the outbound call rate.
public sealed class WellnessRoundJob(NpgsqlDataSource db, WellnessStore store, WellnessCalls calls, IOptions<WellnessOptions> options,
    IOptions<TwilioOptions> twilio, TimeProvider clock, ILogger<WellnessRoundJob> logger)
{
    public const string RecurringId = "wellness-round";

    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task RunAsync(CancellationToken ct)
    {
        var config = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var day = config.Today(now);
        var spacing = 1 / (twilio.Value.CallsPerSecond * config.RateShare);
        IReadOnlyList<ScheduledCheck> checks;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            checks = await store.CreateRoundAsync(conn, tx, day.ToDateTime(TimeOnly.MinValue), config.StartOf(day), config.Flags, now, spacing);
            await tx.CommitAsync(ct);
        }

        // A check whose job is lost here is found by the sweep once it is overdue.
        foreach (var check in checks.Where(c => c is { Status: WellnessStatus.Pending, NextAttemptAt: not null }))
        {
            calls.Schedule(check.Id, check.NextAttemptAt!.Value);
        }

        logger.LogInformation("Wellness round {Day}: {Calls} residents to call, {CalledIn} already called the hotline, one call every {Spacing:0.#} s",
            day, checks.Count(c => c.Status == WellnessStatus.Pending), checks.Count(c => c.Status == WellnessStatus.CalledIn), spacing);
    }
}

// Backs the scheduled jobs: an attempt whose job was lost is placed late rather than never, and a call whose final
// status never reached us still moves its check on. Each step claims the check row, so several instances may sweep.
public sealed class WellnessSweeper(NpgsqlDataSource db, WellnessStore store, WellnessCalls calls, IOptions<WellnessOptions> options,
    TimeProvider clock, ILogger<WellnessSweeper> logger) : BackgroundService
{
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Wellness sweep skipped: {Message}", e.Message);
            }
        }
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        IReadOnlyList<long> due, ended;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            (due, ended) = await store.StragglersAsync(conn, clock.GetUtcNow().UtcDateTime, Grace, options.Value.CallTimeout);
        }

        foreach (var checkId in due)
        {
            await calls.PlaceAttemptAsync(checkId, ct);
        }

        foreach (var callId in ended)
        {
            await calls.SettleAsync(callId, ct);
        }

        if (due.Count + ended.Count > 0)
        {
            logger.LogInformation("Wellness sweep: placed {Due} overdue attempts, settled {Ended} calls", due.Count, ended.Count);
        }
    }
}
