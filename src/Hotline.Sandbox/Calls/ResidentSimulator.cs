using System.Globalization;
using Hotline.Sandbox.Messages;
using Hotline.Sandbox.Phones;
using Hotline.Sandbox.Twiml;

namespace Hotline.Sandbox.Calls;

// Residents calling and texting the hotline: drives the app's public webhooks exactly as Twilio would
// for a call or SMS to the hotline number, and reports what the resident heard and did.
public sealed class ResidentSimulator
{
    private readonly TwilioSandbox sandbox;

    internal ResidentSimulator(TwilioSandbox sandbox) => this.sandbox = sandbox;

    // Places a call and returns once it is over and its recording/transcription callbacks have been answered.
    public async Task<CallTranscript> CallAsync(
        CallerScript script, CancellationToken ct = default, Action<CallSession, TranscriptStep>? onStep = null)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, sandbox.ShutdownToken);
        var options = sandbox.Options;
        var to = script.To ?? options.HotlineNumber;
        var call = new CallSession(sandbox, "inbound", script.From, to, script, linked.Token) { OnStep = onStep };
        var tracked = sandbox.Calls.Start(call, "ringing", t => RunAsync(call, t, linked.Token));
        return await tracked.Completion;
    }

    private async Task<CallTranscript> RunAsync(CallSession call, TrackedCall tracked, CancellationToken ct)
    {
        using var _ = call;
        var voiceUrl = sandbox.App.Resolve(sandbox.Options.VoiceUrl);
        var flow = await sandbox.Interpreter.RunCallAsync(call, new Flow.Fetch(voiceUrl, "POST", []), ct);
        var status = flow is Flow.Reject reject ? (reject.Reason == "busy" ? "busy" : "no-answer") : "completed";
        tracked.Status = status;

        var transcript = call.ToTranscript(status);
        sandbox.Phones.AddCall(call.From, new PhoneCall(
            call.Sid, "placed", call.To, tracked.CreatedAt, status, transcript.DurationSeconds, transcript.Said,
            string.Concat(transcript.DigitsPressed)));

        // A number's voice status callback only reports the end of the call.
        var form = call.BaseParams(status);
        form.Add(new("SequenceNumber", "0"));
        form.Add(new("Timestamp", CallStatusReporter.Rfc1123(DateTimeOffset.UtcNow)));
        form.Add(new("CallbackSource", "call-progress-events"));
        form.Add(new("CallDuration", call.DurationSeconds.ToString(CultureInfo.InvariantCulture)));
        form.Add(new("Duration", ((call.DurationSeconds + 59) / 60).ToString(CultureInfo.InvariantCulture)));
        call.Record(await sandbox.App.SendAsync(sandbox.App.Resolve(sandbox.Options.VoiceStatusCallback), "POST", form, ct));

        await call.WhenBackgroundDoneAsync();
        return call.ToTranscript(status);
    }

    public Task<SmsTranscript> SendSmsAsync(string from, string body, CancellationToken ct = default, string? to = null) =>
        new InboundSms(sandbox).SendAsync(from, to ?? sandbox.Options.HotlineNumber, body, ct);
}
