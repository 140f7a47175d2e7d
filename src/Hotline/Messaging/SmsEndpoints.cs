using Hotline.Calls;
using Hotline.Escalations;
using Hotline.Infrastructure;
using Hotline.Needs;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Npgsql;
using Twilio.TwiML;

namespace Hotline.Messaging;

public static class SmsEndpoints
{
    const int MaxBodyLength = 1600;

    public static RouteGroupBuilder MapSmsWebhooks(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/sms/incoming", Incoming);
        twilio.MapPost("/sms/status", SmsStatusCallbacks.Handle);
        return twilio;
    }

    // A resident's SMS is a request: it is stored, opens a need, and the reply gives the reference code. Staff phones
    // and "ACK <code>" are acknowledgements of escalation alerts instead.
    static async Task<TwimlResult> Incoming(IFormCollection form, HttpContext http, NpgsqlDataSource db, MessageStore messages, NeedStore needs,
        AckSms acks, Outbox outbox, Phones phones, IOptions<IvrOptions> ivr, IOptions<TwilioOptions> twilio, TimeProvider clock, CancellationToken ct)
    {
        var fields = new TwilioForm(form);
        var messageSid = fields.Required("MessageSid");
        var from = phones.ToE164(fields.Required("From")) ?? throw new BadWebhookException("From is not a phone number.");
        var to = phones.ToE164(fields["To"]) ?? fields["To"] ?? "";
        var body = fields["Body"] ?? "";
        if (messageSid.Length > 64 || body.Length > MaxBodyLength)
        {
            throw new BadWebhookException("MessageSid or Body is longer than Twilio sends.");
        }

        var now = VoiceWebhook.ReceivedAt(http, clock);
        var replayed = http.Items.ContainsKey(VoiceWebhook.ReplayMarker);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var message = await messages.SaveInboundAsync(conn, tx, messageSid, from, to, body.Replace("\0", ""), now);
        if (await acks.TryHandleAsync(conn, tx, message.Id, from, message.Body, now) is { } ack)
        {
            if (replayed)
            {
                await outbox.QueueSmsAsync(conn, tx, new OutboundSms(from, ack.Text, "ack_reply", $"sms-reply:{messageSid}"), twilio.Value.PhoneNumber, now);
            }

            await tx.CommitAsync(ct);
            ack.AfterCommit();
            if (replayed)
            {
                outbox.DispatchSms();
                return TwimlResult.Empty;
            }

            return TwimlResult.From(new MessagingResponse().Message(ack.Text));
        }

        var resident = await messages.ResidentAsync(conn, tx, from);
        var need = await needs.OpenAsync(conn, tx, new NewNeed(
            "sms", NeedPolicy.OtherCategory, from, resident?.Id, resident?.Flags ?? [], MessageId: message.Id, Summary: message.Body), now);
        await messages.LinkNeedAsync(conn, tx, message.Id, need.Id);
        var reply = ivr.Value.For(resident?.Language).SmsReceived.Replace("{reference}", need.Reference);
        // Replayed after an outage, the TwiML answer reaches nobody: the reference goes out as an SMS of its own.
        if (replayed)
        {
            await outbox.QueueSmsAsync(conn, tx, new OutboundSms(from, reply, "reference_code", $"sms-reply:{messageSid}", need.Id), twilio.Value.PhoneNumber, now);
        }

        await tx.CommitAsync(ct);
        if (replayed)
        {
            outbox.DispatchSms();
            return TwimlResult.Empty;
        }

        return TwimlResult.From(new MessagingResponse().Message(reply));
    }
}
