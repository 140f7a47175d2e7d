using Hangfire;

namespace Hotline.Telephony;

// Hangfire's entry point for an outbound SMS before the SMS pump took over. No longer enqueued, it stays for jobs
// queued by an earlier version; OutboxDelivery does the work.
[Queue("alerts")]
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 15, 30, 60])]
public sealed class SmsDeliveryJob(OutboxDelivery delivery)
{
    public Task RunAsync(long messageId, CancellationToken ct) => delivery.SendSmsAsync(messageId, ct);
}
