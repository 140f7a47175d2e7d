using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Hotline.Needs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Escalations;

// For features that mark a need urgent after it was opened (the console): raises it, gives it the urgent
// acknowledgement deadline when that is sooner, and puts it on the escalation ladder.
public sealed class UrgentNeeds(EscalationStore store, EscalationScheduler scheduler, IOptions<NeedOptions> needOptions)
{
    // Call in the caller's transaction; run AfterCommit once it has committed. Null when there is no such need.
    public async Task<RaisedNeed?> RaiseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long needId, long? staffId, DateTime now)
    {
        var need = await store.LockNeedAsync(conn, tx, needId, skipLocked: false);
        if (need is null)
        {
            return null;
        }

        if (need.Urgency == Urgency.Urgent || need.Status is not ("open" or "acknowledged"))
        {
            return new RaisedNeed(need, () => { });
        }

        var ackMinutes = needOptions.Value.Urgencies.TryGetValue(Urgency.Urgent, out var urgent) ? urgent.AckMinutes : 5;
        var ackDeadline = need.AckDeadline < now.AddMinutes(ackMinutes) ? need.AckDeadline : now.AddMinutes(ackMinutes);
        await conn.ExecuteAsync(
            """
            UPDATE needs SET urgency = 'urgent', ack_deadline = @ackDeadline, escalation_due_at = NULL, updated_at = @now
            WHERE id = @needId
            """,
            new { needId, ackDeadline, now }, tx);
        await AuditLog.WriteAsync(conn, tx, new AuditEntry(staffId is null ? "system" : "staff", staffId, "need", needId, "raised_to_urgent",
            JsonSerializer.Serialize(new { need.Reference, from = need.Urgency, ackDeadline }), now));
        var raised = need with { Urgency = Urgency.Urgent, AckDeadline = ackDeadline };
        return new RaisedNeed(raised, () =>
        {
            if (raised.Status == "open")
            {
                scheduler.Watch(needId, ackDeadline);
            }
        });
    }
}

public sealed record RaisedNeed(LadderNeed Need, Action AfterCommit);
