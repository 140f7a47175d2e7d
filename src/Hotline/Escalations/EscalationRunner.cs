using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Escalations;

// Written: alerts written by this run. NextAt: when the ladder of the need next has something to do.
public sealed record LadderRun(int Written, DateTime? NextAt);

// One look at one need's ladder: under the need's row lock, bring the alerts up to date, ask the ladder what is due,
// write it (escalation rows and their outbox rows in one transaction), and send it once that has committed.
public sealed class EscalationRunner(
    NpgsqlDataSource db, EscalationStore store, Outbox outbox, AlertDelivery delivery, AlertTexts texts,
    IOptions<EscalationOptions> options, IOptions<TwilioOptions> twilio, TimeProvider clock, ILogger<EscalationRunner> logger)
{
    public const string Purpose = "escalation";

    public async Task<LadderRun> RunAsync(long needId, bool skipLocked, CancellationToken ct)
    {
        var sms = new List<long>();
        var calls = new List<long>();
        LadderPlan plan;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var need = await store.LockNeedAsync(conn, tx, needId, skipLocked);
            if (need is null)
            {
                // Gone, or (for the sweep) someone else is at it right now.
                return new LadderRun(0, null);
            }

            // Read after the lock: a run that waited for another one decides on what that one wrote.
            var now = clock.GetUtcNow().UtcDateTime;
            var (history, onDuty) = await store.ReadLadderAsync(conn, tx, needId, now);
            var ownerReachable = need.OwnerId is { } owner && await store.HasPhoneAsync(conn, tx, owner);
            plan = EscalationLadder.Plan(need, history, [.. onDuty.Select(m => new LadderMember { Id = m.Id, Level = m.Level })],
                ownerReachable, now, options.Value);

            if (plan.Due.Count > 0)
            {
                var recipients = onDuty.ToDictionary(m => m.Id, m => new AlertRecipient { Id = m.Id, DisplayName = m.DisplayName, Phone = m.Phone, Language = m.Language });
                // A call to someone alerted earlier who has since gone off duty, or an owner: looked up by id.
                var others = plan.Due.Select(a => a.RecipientId).OfType<long>().Where(id => !recipients.ContainsKey(id)).Distinct().ToArray();
                if (others.Length > 0)
                {
                    foreach (var (id, recipient) in await store.RecipientsAsync(conn, tx, others))
                    {
                        recipients[id] = recipient;
                    }
                }

                foreach (var alert in plan.Due)
                {
                    var key = alert.DedupeKey(needId);
                    long? messageId = null, callId = null;
                    // The outbox row first, under the same key, so the escalation row is written once with its send.
                    if (alert.RecipientId is { } recipientId && recipients.GetValueOrDefault(recipientId) is { Phone: { } phone } to)
                    {
                        if (alert.Channel == AlertChannel.Sms)
                        {
                            messageId = await outbox.QueueSmsAsync(conn, tx,
                                new OutboundSms(phone, texts.Sms(need, alert.Kind, to.Language, now), Purpose, key, needId), twilio.Value.PhoneNumber, now);
                        }
                        else
                        {
                            callId = await outbox.QueueCallAsync(conn, tx,
                                new OutboundCall(phone, $"/twilio/escalations/alert?need={needId}", Purpose, key, needId), twilio.Value.PhoneNumber, now);
                        }
                    }

                    if (await store.InsertAsync(conn, tx, needId, alert, now, messageId, callId) is null)
                    {
                        // Written before (the unique key): whoever wrote it sent it.
                        continue;
                    }

                    if (messageId is { } m)
                    {
                        sms.Add(m);
                    }

                    if (callId is { } c)
                    {
                        calls.Add(c);
                    }
                }

                logger.LogInformation("Need {NeedId} escalated: {Alerts}", needId,
                    string.Join(", ", plan.Due.Select(a => $"{a.Kind} step {a.Step} level {a.Level} {a.Channel}")));
            }

            if (need.EscalationDueAt != plan.NextAt)
            {
                await store.SetDueAsync(conn, tx, needId, plan.NextAt);
            }

            await tx.CommitAsync(ct);
        }

        sms.ForEach(delivery.SendSms);
        calls.ForEach(delivery.PlaceCall);
        return new LadderRun(plan.Due.Count, plan.NextAt);
    }
}
