using System.Globalization;
using System.Security.Cryptography;

namespace Hotline.Benchmarks;

// One webhook as Twilio would send it, and a piece of TwiML the answer must contain: a 200 with the wrong TwiML
// (a caller sent to voicemail when we meant to queue them) is a failure, not a data point. SmsTo: the number the app
// owes an SMS once this step has been answered.
public sealed record WebhookStep(string Name, string PathAndQuery, KeyValuePair<string, string>[] Form, string Expect, string? SmsTo = null);

// The webhooks of one inbound call, in Twilio's order. Every call has its own CallSid and caller number; half
// hang up in the queue, half leave it for voicemail, so both the queue and the voicemail handlers are measured.
// hotline is the app's own number (Twilio:PhoneNumber), the To of every call.
public static class IntakeCall
{
    public const string Constant = "/twilio/bench/constant";

    static readonly string AccountSid = "AC" + Hex(16);
    static readonly string RunPrefix = Hex(4);

    public static WebhookStep ConstantStep() =>
        new("constant", Constant, [new("CallSid", "CA" + Hex(16)), new("AccountSid", AccountSid)], "<Response");

    public static WebhookStep[] Create(long n, string hotline)
    {
        var callSid = $"CA{RunPrefix}{n:x24}";
        // 138 plus eight digits: a valid mainland mobile number, unique within a run of up to 10^8 calls.
        var from = $"+86138{(n % 100_000_000).ToString("D8", CultureInfo.InvariantCulture)}";
        var digit = ((n % 5) + 1).ToString(CultureInfo.InvariantCulture);
        var toVoicemail = n % 2 == 1;

        KeyValuePair<string, string>[] Form(string callStatus, params (string Key, string Value)[] fields) =>
        [
            new("CallSid", callSid), new("AccountSid", AccountSid), new("From", from), new("To", hotline),
            new("Direction", "inbound"), new("CallStatus", callStatus), new("ApiVersion", "2010-04-01"),
            .. fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)),
        ];

        var steps = new List<WebhookStep>(9)
        {
            new("incoming", "/twilio/voice/incoming", Form("ringing"), "<Gather"),
            new("language", "/twilio/voice/language", Form("in-progress", ("Digits", "1")), "<Gather"),
            new("menu", "/twilio/voice/menu?attempt=1", Form("in-progress", ("Digits", digit)), "<Enqueue"),
            new("queue/wait", "/twilio/voice/queue/wait", Form("in-progress", ("QueuePosition", $"{n % 7 + 1}"), ("QueueTime", $"{n % 50}")), "<Say"),
        };

        if (toVoicemail)
        {
            var recordingSid = "RE" + Hex(16);
            var recordingUrl = $"https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Recordings/{recordingSid}";
            (string, string)[] recording = [("RecordingSid", recordingSid), ("RecordingUrl", recordingUrl), ("RecordingDuration", "37")];
            steps.Add(new("queue/done", "/twilio/voice/queue/done", Form("in-progress", ("QueueResult", "leave"), ("QueueTime", "45")), "<Record"));
            // The caller hears their reference code, and the app texts it to them (Voicemails/ReferenceSms.cs).
            steps.Add(new("voicemail/recorded", "/twilio/voice/voicemail/recorded", Form("in-progress", [.. recording, ("Digits", "#")]), "<Hangup", SmsTo: from));
            steps.Add(new("voicemail/recording-status", "/twilio/voice/voicemail/recording-status",
                Form("completed", [.. recording, ("RecordingStatus", "completed")]), "<Response"));
            steps.Add(new("voicemail/transcription", "/twilio/voice/voicemail/transcription",
                Form("completed", [.. recording, ("TranscriptionSid", "TR" + Hex(16)), ("TranscriptionStatus", "completed"),
                    ("TranscriptionText", "My mother needs her dialysis trip tomorrow morning, building 12 unit 3.")]), "<Response"));
        }
        else
        {
            steps.Add(new("queue/done", "/twilio/voice/queue/done", Form("in-progress", ("QueueResult", "hangup"), ("QueueTime", "45")), "<Response"));
        }

        steps.Add(new("status", "/twilio/voice/status",
            Form("completed", ("SequenceNumber", "3"), ("CallDuration", toVoicemail ? "95" : "50"),
                ("Timestamp", DateTime.UtcNow.ToString("R", CultureInfo.InvariantCulture))), "<Response"));
        return [.. steps];
    }

    static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
