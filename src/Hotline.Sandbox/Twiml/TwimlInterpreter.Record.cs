using System.Xml.Linq;
using Hotline.Sandbox.Calls;

namespace Hotline.Sandbox.Twiml;

internal sealed partial class TwimlInterpreter
{
    private async Task<Flow> RecordAsync(CallSession call, XElement verb, Uri documentUrl, CancellationToken ct)
    {
        call.Reached("record");
        if (call.Token.IsCancellationRequested)
        {
            return Flow.Interrupted;
        }

        var maxLength = AttrInt(verb, "maxLength") ?? 3600;
        var silence = AttrInt(verb, "timeout") ?? 5;
        var target = Url(verb, "action", documentUrl) ?? documentUrl;
        if (AttrBool(verb, "playBeep", true))
        {
            call.Step("play", "beep");
        }

        var speaking = TimeSpan.FromSeconds(Math.Min(call.Script.RecordSeconds, maxLength));
        var started = Clock.Now;
        var finished = await Clock.TryDelayAsync(speaking, call.Token);

        // Twilio waits for `timeout` seconds of silence before it stops, and trims that silence off the recording.
        if (finished && speaking > TimeSpan.Zero && speaking.TotalSeconds < maxLength)
        {
            finished = await Clock.TryDelayAsync(TimeSpan.FromSeconds(silence), call.Token);
        }

        var spoken = finished ? speaking : Min(Clock.Now - started, speaking);
        var duration = (int)Math.Round(spoken.TotalSeconds);
        if (duration <= 0)
        {
            call.Step("record", "nothing recorded");
            return finished ? Flow.Next : Flow.Interrupted;
        }

        var recording = sandbox.Recordings.Add(call.Sid, duration, call.Script.RecordTranscript);
        var recordingUrl = sandbox.RecordingUrl(recording.Sid);
        call.Step("record", $"{duration} s as {recording.Sid}");
        var recordingParams = new List<KeyValuePair<string, string>>
        {
            P("RecordingUrl", recordingUrl),
            P("RecordingSid", recording.Sid),
            P("RecordingDuration", duration),
        };

        call.Track(SendRecordingCallbacksAsync(call, verb, documentUrl, recordingParams, recording, ct));

        var actionParams = recordingParams.Append(P("Digits", finished ? "" : "hangup")).ToList();
        if (!finished)
        {
            // The caller hung up while recording: Twilio still posts the action, and nobody hears the answer.
            await PostAfterHangupAsync(call, new Flow.Fetch(target, Method(verb), actionParams), ct);
            return Flow.Interrupted;
        }

        return new Flow.Fetch(target, Method(verb), actionParams);
    }

    private async Task SendRecordingCallbacksAsync(
        CallSession call, XElement verb, Uri documentUrl, List<KeyValuePair<string, string>> recordingParams,
        Recordings.Recording recording, CancellationToken ct)
    {
        if (Url(verb, "recordingStatusCallback", documentUrl) is { } statusUrl)
        {
            await Clock.DelayAsync(1, ct);
            var form = new List<KeyValuePair<string, string>>
            {
                P("AccountSid", call.AccountSid),
                P("CallSid", call.Sid),
                P("RecordingStatus", "completed"),
                P("RecordingChannels", "1"),
                P("RecordingSource", "RecordVerb"),
                P("RecordingStartTime", DateTimeOffset.UtcNow.ToString("R")),
            };
            form.AddRange(recordingParams);
            call.Record(await sandbox.App.SendAsync(statusUrl, Method(verb, "recordingStatusCallbackMethod"), form, ct));
        }

        var transcribeUrl = Url(verb, "transcribeCallback", documentUrl);
        if (!AttrBool(verb, "transcribe", transcribeUrl is not null) || transcribeUrl is null)
        {
            return;
        }

        // Twilio only transcribes recordings of 2 to 120 seconds; others get a failed transcription.
        // The transcription exists at Twilio (REST: Recordings/{sid}/Transcriptions) whether or not its callback arrives.
        var ok = recording.DurationSeconds is >= 2 and <= 120;
        await Clock.DelayAsync(5, ct);
        var made = sandbox.Recordings.AddTranscription(recording, ok);
        var transcription = call.BaseParams("completed");
        transcription.AddRange(recordingParams);
        transcription.AddRange(
        [
            P("TranscriptionSid", made.Sid),
            P("TranscriptionText", made.Text),
            P("TranscriptionStatus", made.Status),
            P("TranscriptionType", "fast"),
            P("TranscriptionUrl", sandbox.RecordingUrl(recordingParams[1].Value) + "/Transcriptions"),
        ]);
        call.Record(await sandbox.App.SendAsync(transcribeUrl, "POST", transcription, ct));
    }

    // Actions Twilio still requests after the caller has gone (Record, Enqueue, Dial); their TwiML is not executed.
    private async Task PostAfterHangupAsync(CallSession call, Flow.Fetch fetch, CancellationToken ct)
    {
        var form = call.BaseParams("completed");
        form.AddRange(fetch.Params);
        call.Record(await sandbox.App.SendAsync(fetch.Url, fetch.Method, form, ct));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
