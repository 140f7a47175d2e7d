using Hotline.Telephony;

namespace Hotline.Escalations;

// Alerts go to Twilio the moment their transaction commits, by the same delivery code the SMS pump and the call job
// run (which claims the row first, so a pump or job that runs as well sends nothing). Going through the call queue
// instead costs a queue poll and a free worker, which at a hundred deadlines a second meant seconds. Anything that
// goes wrong here is handed to the pump or the call job with their retries, and a row never picked up is found by
// the pump's poll or the outbox sweeper.
public sealed class AlertDelivery(OutboxDelivery delivery, Outbox outbox, ILogger<AlertDelivery> logger)
{
    public void SendSms(long messageId) => _ = SendAsync(messageId, sms: true);

    public void PlaceCall(long callId) => _ = SendAsync(callId, sms: false);

    async Task SendAsync(long id, bool sms)
    {
        // Off the caller's thread: the runner returns while Twilio answers.
        await Task.Yield();
        try
        {
            if (sms)
            {
                await delivery.SendSmsAsync(id, CancellationToken.None);
            }
            else
            {
                await delivery.PlaceCallAsync(id, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning("Alert {Kind} {Id} not sent at once ({Message}); the pump or the call job takes it over", sms ? "SMS" : "call", id, e.Message);
            if (sms)
            {
                outbox.DispatchSms();
            }
            else
            {
                outbox.DispatchCall(id);
            }
        }
    }
}
