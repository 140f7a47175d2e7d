using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Telephony;
using Microsoft.Extensions.Options;

namespace Hotline.Voicemails;

// After a voicemail the resident also gets their reference code in writing, once per need.
public sealed class ReferenceSms(Outbox outbox, Phones phones, IOptions<IvrOptions> ivr, IOptions<TwilioOptions> twilio)
{
    public async Task QueueAsync(VoiceStep step, string language, long needId, string reference)
    {
        // A withheld number cannot be texted.
        if (phones.ToE164(step.Call.ResidentPhone) is not { } to)
        {
            return;
        }

        var body = ivr.Value.For(language).VoicemailSms.Replace("{reference}", reference);
        await outbox.QueueSmsAsync(step.Conn, step.Tx,
            new OutboundSms(to, body, "reference_code", $"reference-sms:{needId}", needId), twilio.Value.PhoneNumber, step.Now);
        step.AfterCommit(outbox.DispatchSms);
    }
}
