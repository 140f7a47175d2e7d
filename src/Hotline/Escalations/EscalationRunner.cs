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
            await store.SyncAsync(conn, tx, needId, now);
            var history = await store.HistoryAsync(conn, tx, needId);
            var onDuty = await store.OnDutyAsync(conn, tx);
            var ownerReachable = need.OwnerId is { } owner && await store.HasPhoneAsync(conn, tx, owner);
            plan = EscalationLadder.Plan(need, history, onDuty, ownerReachable, now, options.Value);

            if (plan.Due.Count > 0)
            {
                var recipients = await store.RecipientsAsync(conn, tx, [.. plan.Due.Select(a => a.RecipientId).OfType<long>().Distinct()]);
                foreach (var alert in plan.Due)
                {
                    var id = await store.InsertAsync(conn, tx, needId, alert, now);
                    if (id is not { } alertId || alert.RecipientId is not { } recipientId)
                    {
                        continue;
                    }

                    var to = recipients[recipientId];
                    var key = alert.DedupeKey(needId);
                    if (alert.Channel == AlertChannel.Sms)
                    {
                        var messageId = await outbox.QueueSmsAsync(conn, tx,
                            new OutboundSms(to.Phone!, texts.Sms(need, alert.Kind, to.Language, now), Purpose, key, needId), twilio.Value.PhoneNumber, now);
                        await store.LinkOutboxAsync(conn, tx, alertId, messageId, null);
                        sms.Add(messageId);
                    }
                    else
                    {
                        var callId = await outbox.QueueCallAsync(conn, tx,
                            new OutboundCall(to.Phone!, $"/twilio/escalations/alert?need={needId}", Purpose, key, needId), twilio.Value.PhoneNumber, now);
                        await store.LinkOutboxAsync(conn, tx, alertId, null, callId);
                        calls.Add(callId);
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
