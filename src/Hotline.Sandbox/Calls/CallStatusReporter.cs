using System.Globalization;

namespace Hotline.Sandbox.Calls;

// Status callbacks of one call: only for the requested events, numbered from 0 in the order they are sent.
internal sealed class CallStatusReporter(TwilioSandbox sandbox, CallSession call, Uri? url, string method, IReadOnlyCollection<string> events)
{
    private int sequence;

    public async Task SendAsync(string @event, string callStatus, CancellationToken ct)
    {
        if (url is null || !events.Contains(@event, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        var form = call.BaseParams(callStatus);
        form.Add(new("SequenceNumber", sequence++.ToString(CultureInfo.InvariantCulture)));
        form.Add(new("Timestamp", Rfc1123(DateTimeOffset.UtcNow)));
        form.Add(new("CallbackSource", "call-progress-events"));
        if (@event == "completed")
        {
            var seconds = call.DurationSeconds;
            form.Add(new("CallDuration", seconds.ToString(CultureInfo.InvariantCulture)));
            form.Add(new("Duration", ((seconds + 59) / 60).ToString(CultureInfo.InvariantCulture)));
        }

        call.Record(await sandbox.App.SendAsync(url, method, form, ct));
    }

    public static string Rfc1123(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
}
