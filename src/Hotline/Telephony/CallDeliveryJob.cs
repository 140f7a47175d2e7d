using Hangfire;
using Hotline.Infrastructure;

namespace Hotline.Telephony;

// Hangfire's entry point for an outbound call (jobs already queued name this type, so it stays); OutboxDelivery does the work.
[Queue(HangfireSetup.CallQueue)]
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 15, 30, 60])]
public sealed class CallDeliveryJob(OutboxDelivery delivery)
{
    public Task RunAsync(long callId, CancellationToken ct) => delivery.PlaceCallAsync(callId, ct);
}
