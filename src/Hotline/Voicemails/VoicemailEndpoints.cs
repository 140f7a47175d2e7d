using Hotline.Callbacks;
using Hotline.Calls;
using Hotline.Telephony;
using Microsoft.Extensions.Options;

namespace Hotline.Voicemails;

public static class VoicemailEndpoints
{
    public static RouteGroupBuilder MapVoicemailWebhooks(this RouteGroupBuilder twilio)
    {
        var voicemail = twilio.MapGroup("/voice/voicemail");
        voicemail.MapPost("/recorded", Recorded);
        voicemail.MapPost("/recording-status", RecordingStatus);
        voicemail.MapPost("/transcription", Transcription);
        return twilio;
    }

    // The <Record> action: the caller is still on the line and hears their reference code.
    static Task<TwimlResult> Recorded(IFormCollection form, VoiceWebhook hook, VoicemailStore voicemails, CallStore calls,
        CallRouting routing, VoiceResponses twiml, ReferenceSms referenceSms, CallbackRequests callbacks, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var need = await routing.EnsureNeedAsync(step);
            await SaveAsync(step, voicemails, calls, "recorded", need.Id, recordingStatus: null, transcript: null, transcriptionStatus: null);
            var language = step.Call.KnownLanguage ?? ivr.Value.DefaultLanguage;
            await referenceSms.QueueAsync(step, language, need.Id, need.Reference);
            await callbacks.FromVoicemailAsync(step, need.Id);
            return twiml.VoicemailThanks(language, need.Reference);
        }, ct);

    static Task<TwimlResult> RecordingStatus(IFormCollection form, VoiceWebhook hook, VoicemailStore voicemails, CallStore calls, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            await SaveAsync(step, voicemails, calls, "recording_status", step.Call.NeedId, step.Form["RecordingStatus"], transcript: null, transcriptionStatus: null);
            return new Twilio.TwiML.VoiceResponse();
        }, ct);

    static Task<TwimlResult> Transcription(IFormCollection form, VoiceWebhook hook, VoicemailStore voicemails, CallStore calls, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            await SaveTranscriptionAsync(step, voicemails, calls);
            return new Twilio.TwiML.VoiceResponse();
        }, ct);

    // Also the path of a transcription fetched by the reconciliation sweep (same event key: whichever comes first wins).
    public static Task SaveTranscriptionAsync(VoiceStep step, VoicemailStore voicemails, CallStore calls) =>
        SaveAsync(step, voicemails, calls, "transcription", step.Call.NeedId, recordingStatus: null,
            step.Form["TranscriptionText"] ?? "", step.Form["TranscriptionStatus"] ?? "completed");

    static async Task SaveAsync(VoiceStep step, VoicemailStore voicemails, CallStore calls, string kind, long? needId,
        string? recordingStatus, string? transcript, string? transcriptionStatus)
    {
        var recordingSid = step.Form.Required("RecordingSid");
        if (recordingSid.Length > 64)
        {
            throw new BadWebhookException("RecordingSid is too long.");
        }

        // "absent": Twilio had nothing to record, so there is no voicemail to keep.
        if (!await step.RecordAsync(kind, recordingSid, $"{kind}:{recordingSid}") || recordingStatus == "absent")
        {
            return;
        }

        // The outcome follows the voicemail; nothing later in any of these steps reads either (the <Record> action goes
        // on to the reference SMS and the callback), so both go out with the step's last round trip.
        step.Later(
            voicemails.UpsertCommand(new VoicemailUpdate(
                step.Call.Id, needId, recordingSid, step.Form["RecordingUrl"], step.Form.Int("RecordingDuration"),
                recordingStatus, transcript, transcriptionStatus, step.Now)),
            calls.RecomputeOutcomeCommand(step.Call.Id));
    }
}
