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

    // The day's figures come from the reports feature (GET /api/reports/last24h); this is what a supervisor acts on.
    public sealed record OverviewView(IReadOnlyList<StaffRow> Staff, IReadOnlyList<JsonElement> OpenEscalations, IReadOnlyList<BoardNeed> OverdueNeeds);

    static async Task<Ok<OverviewView>> Overview(NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var until = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        var staff = await conn.QueryAsync<StaffRow>(new CommandDefinition(
            "SELECT id, username, display_name, role, phone, on_duty, escalation_level, duty_changed_at FROM staff ORDER BY role DESC, escalation_level NULLS LAST, display_name",
            cancellationToken: ct));
        var overdue = await conn.QueryAsync<BoardNeed>(new CommandDefinition(
            BoardStore.NeedColumns + " WHERE n.status = 'open' AND n.ack_deadline < @until ORDER BY n.ack_deadline LIMIT 100",
            new { until }, cancellationToken: ct));
        return TypedResults.Ok(new OverviewView(
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
