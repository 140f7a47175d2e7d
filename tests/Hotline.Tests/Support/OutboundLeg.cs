namespace Hotline.Tests.Support;

// Twilio's side of one outbound call that the app placed: its TwiML fetches and status callbacks carry call=<row id>.
public sealed class OutboundLeg(TwilioWebhooks twilio, long callId, string to, string twimlPath)
{
    public long CallId { get; } = callId;
    public string CallSid { get; } = "CA" + Guid.NewGuid().ToString("N");
    public string TwimlPath { get; } = twimlPath;
    int sequence;

    Dictionary<string, string> Form((string Key, string Value)[] extra)
    {
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = CallSid,
            ["AccountSid"] = "AC_test",
            ["From"] = "+8621000000000",
            ["To"] = to,
            ["Direction"] = "outbound-api",
            ["CallStatus"] = "in-progress",
        };
        foreach (var (key, value) in extra)
        {
            form[key] = value;
        }

        return form;
    }

    public Task<WebhookAnswer> PostAsync(string path, params (string Key, string Value)[] extra) =>
        twilio.PostAsync($"{path}{(path.Contains('?') ? '&' : '?')}call={CallId}", Form(extra));

    public Task<WebhookAnswer> Answer(params (string Key, string Value)[] extra) => PostAsync(TwimlPath, extra);

    public Task<WebhookAnswer> Status(string status, int? duration = null, string? answeredBy = null)
    {
        var extra = new List<(string, string)> { ("CallStatus", status), ("SequenceNumber", (sequence++).ToString()) };
        if (duration is not null)
        {
            extra.Add(("CallDuration", duration.Value.ToString()));
        }

        if (answeredBy is not null)
        {
            extra.Add(("AnsweredBy", answeredBy));
        }

        return PostAsync("/twilio/voice/status", [.. extra]);
    }
}
