using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Telephony;
using Microsoft.Extensions.Options;

namespace Hotline.Voicemails;

// After a voicemail the resident also gets their reference code in writing, once per need.
public sealed class ReferenceSms(Outbox outbox, Phones phones, IOptions<IvrOptions> ivr, IOptions<TwilioOptions> twilio)
{
    public async Task QueueAsync(VoiceStep step, string language)
    {
        var to = phones.ToE164(step.Call.ResidentPhone);
        if (step.Call.NeedId is not { } needId || step.Call.NeedReference is not { } reference || to is null)
        {
            return;
        }

        var body = ivr.Value.For(language).VoicemailSms.Replace("{reference}", reference);
        var messageId = await outbox.QueueSmsAsync(step.Conn, step.Tx,
            new OutboundSms(to, body, "reference_code", $"reference-sms:{needId}", needId), twilio.Value.PhoneNumber, step.Now);
        step.AfterCommit(() => outbox.DispatchSms(messageId));
    }
}
