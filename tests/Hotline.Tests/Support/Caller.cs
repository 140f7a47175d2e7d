namespace Hotline.Tests.Support;

// One resident's call as Twilio would report it: every webhook carries the same CallSid, From and To.
public sealed class Caller(TwilioWebhooks twilio, string from, string? callSid = null)
{
    public string CallSid { get; } = callSid ?? "CA" + Guid.NewGuid().ToString("N");
    public string From { get; } = from;
    int sequence;

    public Dictionary<string, string> Form(params (string Key, string Value)[] extra)
    {
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = CallSid,
            ["AccountSid"] = "AC_test",
            ["From"] = From,
            ["To"] = "+8621000000000",
            ["Direction"] = "inbound",
            ["CallStatus"] = "in-progress",
        };
        foreach (var (key, value) in extra)
        {
            form[key] = value;
        }

        return form;
    }

    public Task<WebhookAnswer> PostAsync(string path, params (string Key, string Value)[] extra) => twilio.PostAsync(path, Form(extra));

    public Task<WebhookAnswer> Dial() => PostAsync("/twilio/voice/incoming", ("CallStatus", "ringing"));

    public Task<WebhookAnswer> Press(string path, string digits) => PostAsync(path, ("Digits", digits));

    public Task<WebhookAnswer> Status(string status, int? duration = null) =>
        PostAsync("/twilio/voice/status", ("CallStatus", status), ("SequenceNumber", (sequence++).ToString()),
            ("CallDuration", duration?.ToString() ?? ""));

    public static string NewPhone() => "+86138" + Random.Shared.Next(10_000_000, 99_999_999);
}
