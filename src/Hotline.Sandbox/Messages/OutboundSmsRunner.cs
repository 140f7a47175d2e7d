using System.Globalization;
using Hotline.Sandbox.Phones;

namespace Hotline.Sandbox.Messages;

// Delivers an SMS sent through the REST API to the simulated phone and reports it like Twilio:
// sent then delivered, sent then undelivered, or failed, each with MessageStatus (and ErrorCode when it went wrong).
internal sealed class OutboundSmsRunner(TwilioSandbox sandbox)
{
    public TrackedMessage Start(string from, string to, string body, Uri? statusCallback, CancellationToken shutdown)
    {
        var message = new TrackedMessage(from, to, body, statusCallback);
        sandbox.Messages.Add(message);
        message.Completion = Task.Run(() => RunAsync(message, shutdown), CancellationToken.None);
        _ = message.Completion.ContinueWith(
            t => Console.Error.WriteLine($"sandbox: SMS {message.Sid} failed: {t.Exception?.GetBaseException()}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return message;
    }

    private async Task RunAsync(TrackedMessage message, CancellationToken ct)
    {
        var behaviour = sandbox.Phones.BehaviourOf(message.To);
        await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        await sandbox.Clock.DelayAsync(1, ct);
        switch (behaviour.Sms)
        {
            case SmsOutcome.Failed:
                await ReportAsync(message, "failed", behaviour.SmsErrorCode ?? 30008, ct);
                return;
            case SmsOutcome.Undelivered:
                await ReportAsync(message, "sent", null, ct);
                await sandbox.Clock.DelayAsync(2, ct);
                await ReportAsync(message, "undelivered", behaviour.SmsErrorCode ?? 30003, ct);
                return;
            default:
                await ReportAsync(message, "sent", null, ct);
                sandbox.Phones.AddSms(new ReceivedSms(message.Sid, message.From, message.To, message.Body, DateTimeOffset.UtcNow, "rest"));
                await sandbox.Clock.DelayAsync(2, ct);
                await ReportAsync(message, "delivered", null, ct);
                return;
        }
    }

    private async Task ReportAsync(TrackedMessage message, string status, int? errorCode, CancellationToken ct)
    {
        message.Status = status;
        if (message.StatusCallback is not { } url)
        {
            return;
        }

        var form = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", sandbox.Options.AccountSid),
            new("ApiVersion", "2010-04-01"),
            new("From", message.From),
            new("MessageSid", message.Sid),
            new("MessageStatus", status),
            new("SmsSid", message.Sid),
            new("SmsStatus", status),
            new("To", message.To),
        };
        if (errorCode is { } code)
        {
            form.Add(new("ErrorCode", code.ToString(CultureInfo.InvariantCulture)));
        }

        message.Record(await sandbox.App.SendAsync(url, "POST", form, ct));
    }
}
