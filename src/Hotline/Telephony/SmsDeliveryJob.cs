using Hangfire;

namespace Hotline.Telephony;

// Hangfire's entry point for an outbound SMS (jobs already queued name this type, so it stays); OutboxDelivery does the work.
[Queue("alerts")]
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 15, 30, 60])]
public sealed class SmsDeliveryJob(OutboxDelivery delivery)
{
    public Task RunAsync(long messageId, CancellationToken ct) => delivery.SendSmsAsync(messageId, ct);
}
