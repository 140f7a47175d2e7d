using Dapper;
using Hotline.Escalations;
using Npgsql;

namespace Hotline.Needs;

public sealed class NeedStore(NeedPolicy policy, EscalationScheduler escalations)
{
    // Opens the need for a call or an SMS; a repeated webhook gets the need that already exists for it.
    // afterCommit: where the caller runs things once its transaction has committed; the escalation ladder of an urgent
    // need is then watched from there (a need due at once must be visible to the ladder when it runs).
    public async Task<Need> OpenAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NewNeed need, DateTime now, Action<Action>? afterCommit = null)
    {
        var assessment = policy.Assess(need.Category, need.ResidentFlags, now, need.EscalateNow ? Urgency.Urgent : need.Urgency);
        if (need.EscalateNow)
        {
            assessment = assessment with { AckDeadline = now };
        }

        // One round trip: the reference comes from the column's default (migration 0011) and the audit entry is
        // written only when the need was created, not when another delivery of the same webhook opened it already.
        var created = await conn.QuerySingleOrDefaultAsync<Need>(
            """
            WITH created AS (
                INSERT INTO needs (call_id, message_id, resident_id, phone, source, category, urgency, summary,
                                   ack_deadline, fulfil_deadline, created_at, updated_at)
                VALUES (@CallId, @MessageId, @ResidentId, @Phone, @Source, @Category, @Urgency, @Summary,
                        @AckDeadline, @FulfilDeadline, @now, @now)
                ON CONFLICT DO NOTHING
                RETURNING *),
            audit AS (
                INSERT INTO audit_log (actor, entity, entity_id, action, details, occurred_at)
                SELECT 'system', 'need', id, 'opened', jsonb_build_object(
                    'Reference', reference, 'Source', source, 'Category', category, 'Urgency', urgency, 'AckDeadline', ack_deadline), @now
                FROM created)
            SELECT * FROM created
            """,
            new
            {
                need.CallId, need.MessageId, need.ResidentId, need.Phone,
                need.Source, need.Category, assessment.Urgency, need.Summary, assessment.AckDeadline, assessment.FulfilDeadline, now,
            },
            tx);
        if (created is null)
        {
            // Another delivery of the same webhook opened it a moment ago.
            return await FindForOriginAsync(conn, tx, need) ?? throw new InvalidOperationException("A need conflicted but cannot be found.");
        }

        if (created.Urgency == Urgency.Urgent)
        {
            if (afterCommit is not null)
            {
                afterCommit(() => escalations.Watch(created.Id, created.AckDeadline));
            }
            else
            {
                // Scheduled before the commit, but due minutes later; a check for a need that was rolled back finds nothing.
                escalations.Watch(created.Id, created.AckDeadline);
            }
        }

        return created;
    }

    static Task<Need?> FindForOriginAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NewNeed need) =>
        need switch
        {
            { CallId: { } callId } => conn.QuerySingleOrDefaultAsync<Need>("SELECT * FROM needs WHERE call_id = @callId", new { callId }, tx),
            { MessageId: { } messageId } => conn.QuerySingleOrDefaultAsync<Need>("SELECT * FROM needs WHERE message_id = @messageId", new { messageId }, tx),
            _ => Task.FromResult<Need?>(null),
        };

    public async Task<IReadOnlyList<Need>> ListAsync(NpgsqlConnection conn, string? status, string? urgency, int limit) =>
        (await conn.QueryAsync<Need>(
            """
            SELECT * FROM needs
            WHERE (@status::text IS NULL OR status = @status)
              AND (@urgency::text IS NULL OR urgency = @urgency)
            ORDER BY array_position(ARRAY['urgent', 'high', 'normal'], urgency), ack_deadline, id
            LIMIT @limit
            """,
            new { status, urgency, limit })).AsList();
}
