using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Hotline.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.OperatorConsole;

public static class SupervisorEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var supervisor = api.MapGroup("/supervisor").RequireAuthorization(Policies.Supervisor);
        supervisor.MapGet("/overview", Overview);
        supervisor.MapPut("/staff/{id:long}", UpdateStaff);
    }

    public sealed record StaffRow
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string Role { get; init; } = "";
        public string? Phone { get; init; }
        public bool OnDuty { get; init; }
        public int? EscalationLevel { get; init; }
        public DateTime? DutyChangedAt { get; init; }
    }

    public sealed record Figures
    {
        public int CallsReceived { get; init; }
        public int Answered { get; init; }
        public int AbandonedInMenu { get; init; }
        public int AbandonedInQueue { get; init; }
        public int Missed { get; init; }
        public int Voicemails { get; init; }
        public int CallbacksRequested { get; init; }
        public double? MedianAnswerSeconds { get; init; }
        public double? P90AnswerSeconds { get; init; }
        public int UrgentNeeds { get; init; }
        public int UrgentAcknowledgedInTime { get; init; }
        public int UrgentDeadlinesDue { get; init; }
        public int NeedsResolved { get; init; }
    }

    public sealed record CategoryCount
    {
        public string Category { get; init; } = "";
        public int Opened { get; init; }
        public int Resolved { get; init; }
    }

    public sealed record OverviewView(
        DateTime Since, DateTime Until, Figures Figures, IReadOnlyList<CategoryCount> NeedsByCategory,
        IReadOnlyList<StaffRow> Staff, IReadOnlyList<JsonElement> OpenEscalations, IReadOnlyList<BoardNeed> OverdueNeeds);

    static async Task<Ok<OverviewView>> Overview(NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var until = clock.GetUtcNow().UtcDateTime;
        var since = until.AddHours(-24);
        await using var conn = await db.OpenConnectionAsync(ct);
        var figures = await conn.QuerySingleAsync<Figures>(new CommandDefinition(
            """
            WITH inbound AS (SELECT * FROM calls WHERE direction = 'inbound' AND started_at >= @since AND started_at < @until),
                 urgent AS (SELECT * FROM needs WHERE urgency = 'urgent' AND created_at >= @since AND created_at < @until)
            SELECT
                (SELECT count(*) FROM inbound)::int AS calls_received,
                (SELECT count(*) FROM inbound WHERE outcome = 'answered')::int AS answered,
                (SELECT count(*) FROM inbound WHERE outcome = 'abandoned_in_ivr')::int AS abandoned_in_menu,
                (SELECT count(*) FROM inbound WHERE outcome = 'abandoned_in_queue')::int AS abandoned_in_queue,
                (SELECT count(*) FROM inbound WHERE outcome = 'missed')::int AS missed,
                (SELECT count(*) FROM voicemails WHERE created_at >= @since AND created_at < @until)::int AS voicemails,
                (SELECT count(*) FROM inbound WHERE outcome = 'callback_requested')::int AS callbacks_requested,
                (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY queue_seconds) FROM inbound WHERE outcome = 'answered' AND queue_seconds IS NOT NULL) AS median_answer_seconds,
                (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY queue_seconds) FROM inbound WHERE outcome = 'answered' AND queue_seconds IS NOT NULL) AS p90_answer_seconds,
                (SELECT count(*) FROM urgent)::int AS urgent_needs,
                (SELECT count(*) FROM urgent WHERE acknowledged_at <= ack_deadline)::int AS urgent_acknowledged_in_time,
                (SELECT count(*) FROM urgent WHERE acknowledged_at IS NOT NULL OR ack_deadline < @until)::int AS urgent_deadlines_due,
                (SELECT count(*) FROM needs WHERE resolved_at >= @since AND resolved_at < @until)::int AS needs_resolved
            """, new { since, until }, cancellationToken: ct));
        var categories = await conn.QueryAsync<CategoryCount>(new CommandDefinition(
            """
            SELECT category,
                   count(*) FILTER (WHERE created_at >= @since AND created_at < @until)::int AS opened,
                   count(*) FILTER (WHERE resolved_at >= @since AND resolved_at < @until)::int AS resolved
            FROM needs WHERE created_at >= @since OR resolved_at >= @since
            GROUP BY category ORDER BY category
            """, new { since, until }, cancellationToken: ct));
        var staff = await conn.QueryAsync<StaffRow>(new CommandDefinition(
            "SELECT id, username, display_name, role, phone, on_duty, escalation_level, duty_changed_at FROM staff ORDER BY role DESC, escalation_level NULLS LAST, display_name",
            cancellationToken: ct));
        var overdue = await conn.QueryAsync<BoardNeed>(new CommandDefinition(
            BoardStore.NeedColumns + " WHERE n.status = 'open' AND n.ack_deadline < @until ORDER BY n.ack_deadline LIMIT 100",
            new { until }, cancellationToken: ct));
        return TypedResults.Ok(new OverviewView(since, until, figures, categories.AsList(),
            staff.Select(s => s with { Phone = s.Phone is null ? null : Phones.Mask(s.Phone) }).ToList(), await OpenEscalationsAsync(conn), overdue.AsList()));
    }

    // Escalations belong to their own feature; until its table exists there are none to show.
    static async Task<IReadOnlyList<JsonElement>> OpenEscalationsAsync(NpgsqlConnection conn)
    {
        if (!await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('escalations') IS NOT NULL"))
        {
            return [];
        }

        var rows = await conn.QueryAsync<string>(
            """
            SELECT (to_jsonb(e) || jsonb_build_object('need_reference', n.reference, 'need_status', n.status, 'need_category', n.category))::text
            FROM escalations e JOIN needs n ON n.id = e.need_id
            WHERE n.status = 'open'
            ORDER BY e.id DESC LIMIT 100
            """);
        return rows.Select(r => JsonDocument.Parse(r).RootElement.Clone()).ToList();
    }

    public sealed record StaffUpdate(bool? OnDuty, int? EscalationLevel, bool ClearEscalationLevel = false);

    static async Task<Results<Ok<StaffRow>, NotFound, ProblemHttpResult>> UpdateStaff(
        long id, StaffUpdate update, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (update.EscalationLevel is < 1 or > 9)
        {
            return TypedResults.Problem("escalationLevel must be 1 to 9, or cleared.", statusCode: StatusCodes.Status400BadRequest);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var before = await conn.QuerySingleOrDefaultAsync<StaffRow>("SELECT * FROM staff WHERE id = @id FOR UPDATE", new { id }, tx);
        if (before is null)
        {
            return TypedResults.NotFound();
        }

        var after = await conn.QuerySingleAsync<StaffRow>(
            """
            UPDATE staff SET
                on_duty = coalesce(@OnDuty, on_duty),
                duty_changed_at = CASE WHEN @OnDuty IS NOT NULL AND @OnDuty <> on_duty THEN @now ELSE duty_changed_at END,
                escalation_level = CASE WHEN @ClearEscalationLevel THEN NULL ELSE coalesce(@EscalationLevel, escalation_level) END
            WHERE id = @id
            RETURNING id, username, display_name, role, phone, on_duty, escalation_level, duty_changed_at
            """, new { update.OnDuty, update.EscalationLevel, update.ClearEscalationLevel, now, id }, tx);
        await AuditLog.WriteAsync(conn, tx, new AuditEntry(user.Actor(), user.StaffId(), "staff", id, "updated",
            JsonSerializer.Serialize(new { from = new { before.OnDuty, before.EscalationLevel }, to = new { after.OnDuty, after.EscalationLevel } }), now));
        await tx.CommitAsync(ct);
        return TypedResults.Ok(after with { Phone = after.Phone is null ? null : Phones.Mask(after.Phone) });
    }
}
