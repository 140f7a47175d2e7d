using Hotline.Infrastructure;
using Hotline.Needs;
using Microsoft.Extensions.Options;
using Twilio.TwiML;

namespace Hotline.Calls;

// Where a caller goes once we know (or gave up asking) what they need: a person when one is on duty, urgent
// callers ahead of the rest; otherwise voicemail, which always works.
public sealed class CallRouting(CallStore calls, NeedStore needs, VoiceResponses twiml, IOptions<IvrOptions> ivr, ILogger<CallRouting> logger)
{
    public const string UrgentQueue = "urgent";
    public const string GeneralQueue = "general";

    public async Task<TwiML> ToOperatorsAsync(VoiceStep step, Need? need)
    {
        var queue = need?.Urgency == Urgency.Urgent ? UrgentQueue : GeneralQueue;
        if (!await calls.EnqueueIfAnyOperatorOnDutyAsync(step.Conn, step.Tx, step.Call.Id, queue, step.Now))
        {
            return await ToVoicemailAsync(step, waitedTooLong: false, nobodyOnDuty: true, need);
        }

        step.Note("enqueued", queue, $"enqueued:{step.Call.CallSid}");
        return twiml.Enqueue(LanguageOf(step), queue, need?.Reference);
    }

    // Twilio turned the caller away (QueueResult=queue-full): they are offered voicemail like anyone who could not wait,
    // but operators must hear of it, as a queue that fills up sends every further caller there. Logged once the step
    // commits, so a webhook Twilio retries is not counted twice.
    public void QueueFull(VoiceStep step)
    {
        var queue = step.Call.QueueName ?? "unknown";
        var size = ivr.Value.QueueMaxSize;
        var caller = Phones.Mask(step.Call.FromPhone);
        step.AfterCommit(() => logger.LogWarning(
            "Queue {Queue} was full at Twilio: caller {Caller} ({CallSid}) went to voicemail instead of waiting. Ivr:QueueMaxSize " +
            "is {Size} (Twilio allows up to 5000); a queue still at Twilio's default of 100 means it could not be resized " +
            "(see the QueueProvisioner's warnings)",
            queue, caller, step.Call.CallSid, size));
    }

    // need: one this step opened (the call row does not show it yet).
    public async Task<TwiML> ToVoicemailAsync(VoiceStep step, bool waitedTooLong, bool nobodyOnDuty = false, Need? need = null)
    {
        if (need is null)
        {
            await EnsureNeedAsync(step);
        }

        // The last write of the step: nothing after it reads the stage.
        step.Later(calls.SetStageCommand(step.Call.Id, CallStage.Voicemail));
        step.Note("voicemail_offered", nobodyOnDuty ? "nobody on duty" : waitedTooLong ? "waited too long" : "queue unavailable");
        return twiml.Voicemail(LanguageOf(step), nobodyOnDuty, waitedTooLong);
    }

    // Every message left gets a reference code, so a caller who never got through the menu (or who reached voicemail
    // while the database was down) gets a need too.
    public async Task<(long Id, string Reference)> EnsureNeedAsync(VoiceStep step)
    {
        if (step.Call is { NeedId: { } id, NeedReference: { } reference })
        {
            return (id, reference);
        }

        var need = await needs.OpenAsync(step.Conn, step.Tx, new NewNeed(
            "voicemail", NeedPolicy.OtherCategory, step.Call.ResidentPhone, step.Call.ResidentId, step.Call.ResidentFlags, CallId: step.Call.Id), step.Now);
        step.Note("need_opened", $"{need.Reference} {need.Category} {need.Urgency}", $"need:{step.Call.CallSid}");
        return (need.Id, need.Reference);
    }

    string LanguageOf(VoiceStep step) => step.Call.KnownLanguage ?? ivr.Value.DefaultLanguage;
}
