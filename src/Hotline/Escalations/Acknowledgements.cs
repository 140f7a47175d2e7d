using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Npgsql;

namespace Hotline.Escalations;

public enum AckOutcome
{
    // The need was open and is now acknowledged by this person.
    Acknowledged,
    // The need was acknowledged before and missed its fulfilment deadline; this stops the fulfilment alerts.
    FulfilAlertAcknowledged,
    // Nothing to acknowledge: acknowledged before (by AcknowledgedBy), resolved or cancelled.
    NothingToDo,
    NotFound,
}

public sealed record AckResult(AckOutcome Outcome, LadderNeed? Need)
{
    public bool Changed => Outcome is AckOutcome.Acknowledged or AckOutcome.FulfilAlertAcknowledged;
}

// The three ways to acknowledge (SMS, the alert call, the console) all come here: in the caller's transaction the need
// is marked with who and when, its pending alerts are called off, and the audit log gets a row. Acknowledging twice is
// harmless: the second finds nothing to do.
public sealed class Acknowledgements(EscalationStore store, EscalationScheduler scheduler)
{
    public const string ViaSms = "sms";
    public const string ViaVoice = "voice";
    public const string ViaConsole = "console";

    // actor: who, for the audit log ("staff:<username>").
    public async Task<AckResult> AcknowledgeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long needId, long staffId, string actor, string via, DateTime now)
    {
        var need = await store.LockNeedAsync(conn, tx, needId, skipLocked: false);
        if (need is null)
        {
            return new AckResult(AckOutcome.NotFound, null);
        }

        string action;
        if (need.Status == "open")
        {
            await conn.ExecuteAsync(
                """
                UPDATE needs SET status = 'acknowledged', acknowledged_at = @now, acknowledged_by = @staffId,
                    assigned_to = coalesce(assigned_to, @staffId), escalation_due_at = NULL, updated_at = @now
                WHERE id = @needId
                """,
                new { needId, staffId, now }, tx);
            action = "acknowledged";
        }
        else if (EscalationLadder.ActiveKind(need) == AlertKind.Fulfil && need.FulfilDeadline <= now)
        {
            await conn.ExecuteAsync(
                """
                UPDATE needs SET fulfil_acknowledged_at = @now, fulfil_acknowledged_by = @staffId, escalation_due_at = NULL, updated_at = @now
                WHERE id = @needId
                """,
                new { needId, staffId, now }, tx);
            action = "fulfil_alert_acknowledged";
        }
        else
        {
            return new AckResult(AckOutcome.NothingToDo, need);
        }

        var cancelled = await store.CancelPendingAsync(conn, tx, needId, now);
        await AuditLog.WriteAsync(conn, tx, new AuditEntry(actor, staffId, "need", needId, action,
            JsonSerializer.Serialize(new { need.Reference, via, need.AckDeadline, late = now > need.AckDeadline, cancelledAlerts = cancelled }), now));
        return action == "acknowledged"
            ? new AckResult(AckOutcome.Acknowledged, need with { Status = "acknowledged", AcknowledgedAt = now, AcknowledgedBy = staffId, AssignedTo = need.AssignedTo ?? staffId })
            : new AckResult(AckOutcome.FulfilAlertAcknowledged, need with { FulfilAcknowledgedAt = now });
    }

    // After the acknowledging transaction commits: an acknowledged need now waits for its fulfilment deadline.
    public void AfterCommit(AckResult result)
    {
        if (result is { Outcome: AckOutcome.Acknowledged, Need: { } need })
        {
            scheduler.Watch(need.Id, need.FulfilDeadline);
        }
    }
}
