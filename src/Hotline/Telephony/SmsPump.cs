using System.Threading.Channels;
using Hotline.Infrastructure;

namespace Hotline.Telephony;

// Hands outbound SMS to Twilio. A Hangfire job per message cost about 26 statements and 10 commits of Hangfire's
// bookkeeping (docs/benchmarks.md), more than the message itself; the pump claims due rows in batches, one
// statement for many, and sends them side by side. Woken at once by a commit on this instance (Outbox.DispatchSms),
// it also polls every second for what others left: rows queued by an instance that died, retries whose back-off has
// passed, claims the outbox sweeper has put back. Every instance runs one; the claim keeps them from sending twice.
public sealed class SmsPump(OutboxDelivery delivery, ILogger<SmsPump> logger) : BackgroundService
{
    // Sends waiting on Twilio at once: enough to keep up with a burst, few enough not to drain the connection pool.
    const int MaxInFlight = 16;

    static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    readonly Channel<bool> wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    // Something is due now; any number of calls before the pump looks again count as one.
    public void Wake() => wakeUps.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(MaxInFlight);
        var sending = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DrainAsync(slots, sending, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Usually the database being away: the rows stay pending and the next look tries again.
                logger.LogWarning("SMS pump could not claim messages: {Message}", e.Message);
            }

            await WaitForWorkAsync(stoppingToken);
        }

        // Sends already at Twilio finish and record their SID; what was not claimed waits for the next start.
        await Task.WhenAll(sending);
    }

    // Claims as many due messages as there are free slots, until a claim comes back short of them.
    async Task DrainAsync(SemaphoreSlim slots, List<Task> sending, CancellationToken ct)
    {
        while (true)
        {
            await slots.WaitAsync(ct);
            var free = slots.CurrentCount + 1;
            slots.Release();
            var claimed = await delivery.ClaimDueSmsAsync(free, ct);
            sending.RemoveAll(task => task.IsCompleted);
            foreach (var row in claimed)
            {
                await slots.WaitAsync(CancellationToken.None);
                sending.Add(SendAsync(row, slots));
            }

            if (claimed.Count < free)
            {
                return;
            }
        }
    }

    async Task SendAsync(OutboxRow row, SemaphoreSlim slots)
    {
        try
        {
            // Not cancelled at shutdown: a send cut off after Twilio took it would leave its row claimed until the
            // sweeper puts it back, and then it would go out twice.
            await delivery.SendClaimedSmsAsync(row, CancellationToken.None);
        }
        catch (TelephonyException)
        {
            // Logged by the delivery; the row is pending again with its back-off, and the poll picks it up.
        }
        catch (Exception e)
        {
            // The write-back failed (the database away): the claim stays, and the outbox sweeper puts it back.
            logger.LogError(e, "SMS {Id} to {To}: sending or recording it failed; the outbox sweep hands it on", row.Id, Phones.Mask(row.ToPhone));
        }
        finally
        {
            slots.Release();
        }
    }

    async Task WaitForWorkAsync(CancellationToken ct)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct);
        poll.CancelAfter(PollEvery);
        try
        {
            await wakeUps.Reader.ReadAsync(poll.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
