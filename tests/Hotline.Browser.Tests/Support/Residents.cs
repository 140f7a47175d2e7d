extern alias sandbox;
using System.Net;
using sandbox::Hotline.Sandbox.Webhooks;

namespace Hotline.Browser.Tests.Support;

// Residents calling the hotline, as Twilio would tell the app: signed webhooks for one call at a time.
public sealed class Residents(ConsoleApp app)
{
    public async Task<ResidentCall> DialAsync(string? from = null)
    {
        var call = new ResidentCall(app, from ?? "+86138" + Random.Shared.Next(10_000_000, 99_999_999));
        await call.PostAsync("/twilio/voice/incoming", ("CallStatus", "ringing"));
        return call;
    }

    // Through the menu into a queue (someone is on duty) or to voicemail (nobody is): digit 1 is urgent medical,
    // 3 food; the caller speaks English (language digit 2).
    public async Task<ResidentCall> AskForAsync(string menuDigit, string? from = null)
    {
        var call = await DialAsync(from);
        await call.PostAsync("/twilio/voice/language", ("Digits", "2"));
        await call.PostAsync("/twilio/voice/menu?attempt=1", ("Digits", menuDigit));
        return call;
    }

    public async Task<ResidentCall> LeaveVoicemailAsync(string recordingSid, string transcript, string menuDigit = "3")
    {
        var call = await AskForAsync(menuDigit);
        (string, string)[] recording =
            [("RecordingSid", recordingSid), ("RecordingUrl", $"https://api.twilio.com/2010-04-01/Accounts/AC_test/Recordings/{recordingSid}"), ("RecordingDuration", "12")];
        await call.PostAsync("/twilio/voice/voicemail/recorded", recording);
        await call.PostAsync("/twilio/voice/voicemail/transcription", [.. recording, ("TranscriptionText", transcript), ("TranscriptionStatus", "completed")]);
        await call.PostAsync("/twilio/voice/status", ("CallStatus", "completed"), ("SequenceNumber", "9"), ("CallDuration", "40"));
        return call;
    }
}

public sealed class ResidentCall(ConsoleApp app, string from)
{
    public string CallSid { get; } = "CA" + Guid.NewGuid().ToString("N");
    public string From { get; } = from;

    public async Task PostAsync(string path, params (string Key, string Value)[] fields)
    {
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = CallSid, ["AccountSid"] = "AC_test", ["From"] = From, ["To"] = "+8621000000000",
            ["Direction"] = "inbound", ["CallStatus"] = "in-progress",
        };
        foreach (var (key, value) in fields)
        {
            form[key] = value;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", WebhookSigner.Sign(ConsoleApp.AuthToken, ConsoleApp.PublicBaseUrl + path, form));
        using var response = await app.Http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
