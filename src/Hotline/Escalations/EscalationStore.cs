using Dapper;
using Npgsql;

namespace Hotline.Escalations;

public sealed record AlertRecipient
{
    public long Id { get; init; }
    public string DisplayName { get; init; } = "";
    public string? Phone { get; init; }
    public string Language { get; init; } = "";
}

public sealed class EscalationStore
{
    // The status of an alert follows its outbox row: waiting to be handed to Twilio, handed on, delivered (an SMS
    // delivered, a call answered), or failed (refused, undelivered, busy, no answer).
    const string OutboxStatus = """
        CASE
            WHEN coalesce(m.status, c.status) IN ('pending', 'dispatching') THEN 'pending'
            WHEN m.status IN ('delivered', 'read') OR c.status = 'completed' THEN 'delivered'
            WHEN m.status IN ('failed', 'undelivered') OR c.status IN ('busy', 'no-answer', 'failed') THEN 'failed'
            WHEN coalesce(m.status, c.status) = 'canceled' THEN 'cancelled'
            ELSE 'sent'
        END
        """;

    // Alerts in flight are followed for a day; one still not settled by then never will be.
    const string InFlight = "e.status IN ('pending', 'sent') AND e.created_at > @now - interval '1 day'";

    const string NeedColumns = """
        id, reference, category, urgency, status, phone, ack_deadline, fulfil_deadline, created_at, acknowledged_at,
        acknowledged_by, assigned_to, fulfil_acknowledged_at, escalation_due_at
        """;

    // Every change to a need's ladder happens under this lock, so two jobs, a job and the sweep, or a job and an
    // acknowledgement take turns. The sweep skips a need someone else is working on.
    public Task<LadderNeed?> LockNeedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long needId, bool skipLocked) =>
        conn.QuerySingleOrDefaultAsync<LadderNeed>(
            $"SELECT {NeedColumns} FROM needs WHERE id = @needId FOR UPDATE {(skipLocked ? "SKIP LOCKED" : "")}", new { needId }, tx);

    public Task<LadderNeed?> FindNeedAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long needId) =>
        conn.QuerySingleOrDefaultAsync<LadderNeed>($"SELECT {NeedColumns} FROM needs WHERE id = @needId", new { needId }, tx);

    public Task<LadderNeed?> FindNeedByReferenceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string reference) =>
        conn.QuerySingleOrDefaultAsync<LadderNeed>($"SELECT {NeedColumns} FROM needs WHERE reference = @reference", new { reference }, tx);

    // Brings the alerts of a need up to date with what became of their SMS and calls. sent_at is when the outbox row
    // was last touched as the alert is first seen handed to Twilio: close to the hand-over, not exact.
    const string SyncSql = $"""
            UPDATE escalations e SET status = s.status, updated_at = @now,
                sent_at = coalesce(e.sent_at, CASE WHEN s.sid IS NOT NULL THEN s.changed_at END)
            FROM (
                SELECT e.id, {OutboxStatus} AS status, coalesce(m.message_sid, c.call_sid) AS sid, coalesce(m.updated_at, c.updated_at) AS changed_at
                FROM escalations e
                LEFT JOIN messages m ON m.id = e.message_id
                LEFT JOIN calls c ON c.id = e.call_id
                WHERE e.need_id = @needId AND {InFlight} AND (m.id IS NOT NULL OR c.id IS NOT NULL)
            ) s
            WHERE e.id = s.id AND e.status <> s.status
        """;

    // After the lock, in one round trip: the alerts brought up to date, then read, and who is on the ladder now.
    public async Task<(IReadOnlyList<Alert> History, IReadOnlyList<OnDutyMember> OnDuty)> ReadLadderAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, long needId, DateTime now)
    {
        await using var grid = await conn.QueryMultipleAsync(
            $"""
            {SyncSql};
            SELECT * FROM escalations WHERE need_id = @needId ORDER BY kind, step, id;
            SELECT id, escalation_level AS level, display_name, phone, language FROM staff
            WHERE on_duty AND escalation_level >= 1 AND phone IS NOT NULL;
            """,
            new { needId, now }, tx);
        var history = (await grid.ReadAsync<Alert>()).AsList();
        var onDuty = (await grid.ReadAsync<OnDutyMember>()).AsList();
        return (history, onDuty);
    }

    public async Task<IReadOnlyDictionary<long, AlertRecipient>> RecipientsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long[] ids) =>
        (await conn.QueryAsync<AlertRecipient>("SELECT id, display_name, phone, language FROM staff WHERE id = ANY(@ids)", new { ids }, tx))
            .ToDictionary(r => r.Id);

    public Task<bool> HasPhoneAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long staffId) =>
        conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM staff WHERE id = @staffId AND phone IS NOT NULL)", new { staffId }, tx);

    // Null when the alert was written already: the unique key is the last word on "never twice".
    public Task<long?> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long needId, DueAlert alert, DateTime now,
        long? messageId = null, long? callId = null) =>
        conn.ExecuteScalarAsync<long?>(
            """
            INSERT INTO escalations (need_id, kind, step, level, channel, recipient_id, status, message_id, call_id, dedupe_key, due_at, created_at, updated_at)
            VALUES (@needId, @Kind, @Step, @Level, @Channel, @RecipientId, @status, @messageId, @callId, @key, @DueAt, @now, @now)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
            new
            {
                needId, alert.Kind, alert.Step, alert.Level, alert.Channel, alert.RecipientId, alert.DueAt, now, messageId, callId,
                // A recipient who has lost their phone number since cannot be reached: failed at once, so the ladder climbs.
                status = alert.Channel == AlertChannel.None ? AlertStatus.EmptyLevel
                    : messageId is null && callId is null ? AlertStatus.Failed : AlertStatus.Pending,
                key = alert.DedupeKey(needId),
            },
            tx);

    public Task SetDueAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long needId, DateTime? dueAt) =>
        conn.ExecuteAsync("UPDATE needs SET escalation_due_at = @dueAt WHERE id = @needId", new { needId, dueAt }, tx);

    // Alerts not yet handed to Twilio are called off, and so are their outbox rows, so a delivery job that comes later
    // finds nothing to send. An alert already on its way cannot be recalled.
    public Task<int> CancelPendingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long needId, DateTime now) =>
        conn.ExecuteAsync(
            """
            WITH pending AS (
                SELECT id, message_id, call_id FROM escalations WHERE need_id = @needId AND status = 'pending'),
            messages_off AS (
                UPDATE messages SET status = 'canceled', updated_at = @now
                WHERE id IN (SELECT message_id FROM pending) AND status = 'pending' RETURNING id),
            calls_off AS (
                UPDATE calls SET status = 'canceled', ended_at = @now, updated_at = @now, error_message = 'need acknowledged before the call was placed'
                WHERE id IN (SELECT call_id FROM pending) AND status = 'pending' RETURNING id)
            UPDATE escalations SET status = 'cancelled', cancelled_at = @now, updated_at = @now
            WHERE id IN (SELECT id FROM pending)
              AND (message_id IN (SELECT id FROM messages_off) OR call_id IN (SELECT id FROM calls_off))
            """,
            new { needId, now }, tx);

    // Needs whose ladder has work due (a moment ago, to leave it to the job that is on time), and needs whose
    // alerts have an outcome the ladder has not seen yet (a failed send moves it on).
    public async Task<IReadOnlyList<long>> SweepCandidatesAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, DateTime now, DateTime cutoff, int limit) =>
        (await conn.QueryAsync<long>(
            $"""
            SELECT id FROM needs
            WHERE (status = 'open' AND urgency = 'urgent' AND coalesce(escalation_due_at, ack_deadline) <= @cutoff)
               OR (status = 'acknowledged' AND fulfil_acknowledged_at IS NULL AND coalesce(escalation_due_at, fulfil_deadline) <= @cutoff)
            UNION
            SELECT e.need_id FROM escalations e
            LEFT JOIN messages m ON m.id = e.message_id
            LEFT JOIN calls c ON c.id = e.call_id
            WHERE {InFlight} AND (m.id IS NOT NULL OR c.id IS NOT NULL) AND {OutboxStatus} <> e.status
            LIMIT @limit
            """,
            new { now, cutoff, limit }, tx)).AsList();

    // The alert behind an outbound call, with what the call has to say.
    public Task<CallAlert?> ForCallAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId) =>
        conn.QuerySingleOrDefaultAsync<CallAlert>(
            """
            SELECT e.id, e.need_id, e.kind, e.step, e.level, e.recipient_id, s.username AS recipient_username, s.language AS recipient_language
            FROM escalations e JOIN staff s ON s.id = e.recipient_id
            WHERE e.call_id = @callId
            """,
            new { callId }, tx);

    public async Task<IReadOnlyList<EscalationView>> ListAsync(NpgsqlConnection conn, string? status, bool openFirst, int limit) =>
        (await conn.QueryAsync<EscalationView>(
            """
            SELECT e.id, e.need_id, n.reference, n.category, n.urgency, n.status AS need_status, e.kind, e.step, e.level,
                   e.channel, e.recipient_id, s.display_name AS recipient_name, e.status,
                   coalesce(m.message_sid, c.call_sid) AS twilio_sid, e.due_at, e.created_at, e.sent_at, e.cancelled_at,
                   (e.kind = 'ack' AND n.status = 'open') OR (e.kind = 'fulfil' AND n.status = 'acknowledged' AND n.fulfil_acknowledged_at IS NULL) AS open
            FROM escalations e
            JOIN needs n ON n.id = e.need_id
            LEFT JOIN staff s ON s.id = e.recipient_id
            LEFT JOIN messages m ON m.id = e.message_id
            LEFT JOIN calls c ON c.id = e.call_id
            WHERE @status::text IS NULL
               OR e.status = @status
               OR (@status = 'open' AND ((e.kind = 'ack' AND n.status = 'open')
                                         OR (e.kind = 'fulfil' AND n.status = 'acknowledged' AND n.fulfil_acknowledged_at IS NULL)))
            ORDER BY CASE WHEN @openFirst AND ((e.kind = 'ack' AND n.status = 'open')
                                               OR (e.kind = 'fulfil' AND n.status = 'acknowledged' AND n.fulfil_acknowledged_at IS NULL))
                          THEN 0 ELSE 1 END,
                     e.created_at DESC, e.id DESC
            LIMIT @limit
            """,
            new { status, openFirst, limit })).AsList();
}

public sealed record OnDutyMember
{
    public long Id { get; init; }
    public int Level { get; init; }
    public string DisplayName { get; init; } = "";
    public string Phone { get; init; } = "";
    public string Language { get; init; } = "";
}

public sealed record CallAlert
{
    public long Id { get; init; }
    public long NeedId { get; init; }
    public string Kind { get; init; } = "";
    public int Step { get; init; }
    public int Level { get; init; }
    public long RecipientId { get; init; }
    public string RecipientUsername { get; init; } = "";
    public string RecipientLanguage { get; init; } = "";
}

public sealed record EscalationView
{
    public long Id { get; init; }
    public long NeedId { get; init; }
    public string Reference { get; init; } = "";
    public string Category { get; init; } = "";
    public string Urgency { get; init; } = "";
    public string NeedStatus { get; init; } = "";
    public string Kind { get; init; } = "";
    public int Step { get; init; }
    public int Level { get; init; }
    public string Channel { get; init; } = "";
    public long? RecipientId { get; init; }
    public string? RecipientName { get; init; }
    public string Status { get; init; } = "";
    public string? TwilioSid { get; init; }
    public DateTime DueAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? SentAt { get; init; }
    public DateTime? CancelledAt { get; init; }
    // The need still waits for someone to acknowledge this ladder.
    public bool Open { get; init; }
}
