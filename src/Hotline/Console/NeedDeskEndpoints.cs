using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Hotline.Escalations;
using Hotline.Infrastructure;
using Hotline.Needs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.OperatorConsole;

// The needs board and one need's desk: everything that happened to it, and every change to it audited in the same
// transaction as the change.
public static class NeedDeskEndpoints
{
    public static readonly string[] Outcomes =
        ["trip_arranged", "medicine_delivered", "food_delivered", "meals_delivered", "visit_made", "referred", "no_longer_needed", "unreachable", "other"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/needs/board", Board);
        api.MapGet("/needs/{id:long}", Detail);
        NeedAcknowledgement.Map(api);
        api.MapPost("/needs/{id:long}/assign", Assign);
        api.MapPost("/needs/{id:long}/notes", AddNote);
        api.MapPost("/needs/{id:long}/classify", Classify);
        api.MapPost("/needs/{id:long}/resolve", Resolve);
    }

    // Open work by urgency, then the nearest acknowledgement deadline; closed needs of the last day when asked.
    static async Task<Ok<List<BoardNeed>>> Board(bool? closed, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var needs = await conn.QueryAsync<BoardNeed>(new CommandDefinition(
            $"""
            {BoardStore.NeedColumns}
            WHERE CASE WHEN @closed THEN n.status IN ('resolved', 'cancelled') AND n.updated_at > @since
                       ELSE n.status IN ('open', 'acknowledged') END
            ORDER BY array_position(ARRAY['urgent', 'high', 'normal'], n.urgency), n.status = 'acknowledged',
                     n.ack_deadline, n.id
            LIMIT 500
            """, new { closed = closed ?? false, since = clock.GetUtcNow().UtcDateTime.AddDays(-1) }, cancellationToken: ct));
        return TypedResults.Ok(needs.AsList());
    }

    public sealed record NeedView
    {
        public long Id { get; init; }
        public string Reference { get; init; } = "";
        public string Phone { get; init; } = "";
        public string Source { get; init; } = "";
        public string Category { get; init; } = "";
        public string Urgency { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Summary { get; init; }
        public DateTime AckDeadline { get; init; }
        public DateTime FulfilDeadline { get; init; }
        public DateTime? AcknowledgedAt { get; init; }
        public string? AcknowledgedByName { get; init; }
        public long? AssignedTo { get; init; }
        public string? AssignedToName { get; init; }
        public DateTime? ResolvedAt { get; init; }
        public string? Resolution { get; init; }
        public DateTime CreatedAt { get; init; }
        public long? ResidentId { get; init; }
        public string? ResidentName { get; init; }
        public string? ResidentLanguage { get; init; }
        public string[] ResidentFlags { get; init; } = [];
        public string? ResidentAddress { get; init; }
        public string? CareNotes { get; init; }
    }

    public sealed record NeedCall
    {
        public string? CallSid { get; init; }
        public string Direction { get; init; } = "";
        public string? Purpose { get; init; }
        public string Status { get; init; } = "";
        public string? Outcome { get; init; }
        public DateTime StartedAt { get; init; }
        public int? DurationSeconds { get; init; }
    }

    public sealed record NeedNote
    {
        public long Id { get; init; }
        public string Body { get; init; } = "";
        public string? StaffName { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    public sealed record AuditItem
    {
        public DateTime OccurredAt { get; init; }
        public string Actor { get; init; } = "";
        public string Action { get; init; } = "";
        public string Details { get; init; } = "";
    }

    public sealed record NeedMessage
    {
        public string Direction { get; init; } = "";
        public string Body { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Purpose { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    // Callbacks and escalations come from their own features; until their tables exist the lists are empty, and the
    // page shows their rows as they are.
    public sealed record NeedDetail(
        NeedView Need, IReadOnlyList<NeedCall> Calls, IReadOnlyList<InboxEndpoints.VoicemailItem> Voicemails, IReadOnlyList<NeedMessage> Messages,
        IReadOnlyList<NeedNote> Notes, IReadOnlyList<JsonElement> Callbacks, IReadOnlyList<JsonElement> Escalations, IReadOnlyList<AuditItem> Audit);

    static async Task<Results<Ok<NeedDetail>, NotFound>> Detail(long id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var need = await conn.QuerySingleOrDefaultAsync<NeedView>(
            """
            SELECT n.*, r.name AS resident_name, r.language AS resident_language, coalesce(r.flags, '{}') AS resident_flags,
                   concat_ws(', ', r.address, r.building, r.unit) AS resident_address, r.care_notes,
                   k.display_name AS acknowledged_by_name, a.display_name AS assigned_to_name
            FROM needs n
            LEFT JOIN residents r ON r.id = n.resident_id
            LEFT JOIN staff k ON k.id = n.acknowledged_by
            LEFT JOIN staff a ON a.id = n.assigned_to
            WHERE n.id = @id
            """, new { id });
        if (need is null)
        {
            return TypedResults.NotFound();
        }

        var calls = await conn.QueryAsync<NeedCall>(
            """
            SELECT call_sid, direction, purpose, status, outcome, started_at, duration_seconds FROM calls
            WHERE need_id = @id OR id = (SELECT call_id FROM needs WHERE id = @id)
            ORDER BY started_at, id
            """, new { id });
        var voicemails = await conn.QueryAsync<InboxEndpoints.VoicemailItem>(
            InboxEndpoints.VoicemailColumns + " WHERE v.need_id = @id OR v.call_id = (SELECT call_id FROM needs WHERE id = @id) ORDER BY v.id",
            new { id });
        var messages = await conn.QueryAsync<NeedMessage>(
            """
            SELECT direction, body, status, purpose, created_at FROM messages
            WHERE need_id = @id OR id = (SELECT message_id FROM needs WHERE id = @id)
            ORDER BY id
            """, new { id });
        var notes = await conn.QueryAsync<NeedNote>(
            "SELECT o.id, o.body, s.display_name AS staff_name, o.created_at FROM need_notes o LEFT JOIN staff s ON s.id = o.staff_id WHERE o.need_id = @id ORDER BY o.id",
            new { id });
        var audit = await conn.QueryAsync<AuditItem>(
            "SELECT occurred_at, actor, action, details::text AS details FROM audit_log WHERE entity = 'need' AND entity_id = @id ORDER BY id",
            new { id });
        return TypedResults.Ok(new NeedDetail(need, calls.AsList(), voicemails.AsList(), messages.AsList(), notes.AsList(),
            await RowsOfAsync(conn, "callbacks", id), await RowsOfAsync(conn, "escalations", id), audit.AsList()));
    }

    static async Task<IReadOnlyList<JsonElement>> RowsOfAsync(NpgsqlConnection conn, string table, long needId)
    {
        if (!await conn.ExecuteScalarAsync<bool>("SELECT to_regclass(@table) IS NOT NULL AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = @table AND column_name = 'need_id')", new { table }))
        {
            return [];
        }

        var rows = await conn.QueryAsync<string>($"SELECT to_jsonb(t)::text FROM {table} t WHERE t.need_id = @needId ORDER BY t.id", new { needId });
        return rows.Select(r => JsonDocument.Parse(r).RootElement.Clone()).ToList();
    }

    public sealed record AssignRequest(long? StaffId);

    static Task<IResult> Assign(long id, AssignRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, user, db, clock, ct, async (conn, tx, need, now) =>
        {
            if (request.StaffId is { } staffId && !await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM staff WHERE id = @staffId)", new { staffId }, tx))
            {
                return "staffId is not a member of staff.";
            }

            await conn.ExecuteAsync("UPDATE needs SET assigned_to = @StaffId, updated_at = @now WHERE id = @id", new { request.StaffId, now, id }, tx);
            return Audit("assigned", new { from = need.AssignedTo, to = request.StaffId });
        });

    public sealed record NoteRequest(string? Text);

    static Task<IResult> AddNote(long id, NoteRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, user, db, clock, ct, async (conn, tx, need, now) =>
        {
            var text = request.Text?.Trim();
            if (string.IsNullOrEmpty(text) || text.Length > 4000)
            {
                return "text must be 1 to 4000 characters.";
            }

            var noteId = await conn.ExecuteScalarAsync<long>(
                "INSERT INTO need_notes (need_id, staff_id, body, created_at) VALUES (@id, @staffId, @text, @now) RETURNING id",
                new { id, staffId = user.StaffId(), text, now }, tx);
            await conn.ExecuteAsync("UPDATE needs SET updated_at = @now WHERE id = @id", new { id, now }, tx);
            return Audit("note_added", new { noteId });
        }, allowClosed: true);

    public sealed record ClassifyRequest(string? Category, string? Urgency);

    static Task<IResult> Classify(long id, ClassifyRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock,
        NeedPolicy policy, IOptions<NeedOptions> options, EscalationScheduler escalations, CancellationToken ct) =>
        ChangeAsync(id, user, db, clock, ct, async (conn, tx, need, now) =>
        {
            var category = request.Category ?? need.Category;
            var urgency = request.Urgency ?? need.Urgency;
            if (!policy.IsCategory(category))
            {
                return $"category must be one of {string.Join(", ", options.Value.Categories.Keys)}.";
            }

            if (!Urgency.IsKnown(urgency))
            {
                return $"urgency must be one of {string.Join(", ", Urgency.Order)}.";
            }

            // Made more urgent: the deadline of the new level applies from now if it is sooner than the old one.
            var ackDeadline = need.AckDeadline;
            if (options.Value.Urgencies.TryGetValue(urgency, out var level) && now.AddMinutes(level.AckMinutes) < ackDeadline)
            {
                ackDeadline = now.AddMinutes(level.AckMinutes);
            }

            // The escalation ladder starts over from the new deadline (escalation_due_at is the ladder's own bookmark).
            await conn.ExecuteAsync(
                """
                UPDATE needs SET category = @category, urgency = @urgency, ack_deadline = @ackDeadline, updated_at = @now,
                    escalation_due_at = CASE WHEN urgency = @urgency THEN escalation_due_at END
                WHERE id = @id
                """,
                new { category, urgency, ackDeadline, now, id }, tx);
            if (urgency == Urgency.Urgent && need.Urgency != Urgency.Urgent && need.Status == "open")
            {
                // Scheduled before the commit, but due minutes later; a check for a change rolled back finds nothing to do.
                escalations.Watch(id, ackDeadline);
            }

            return Audit("reclassified", new { from = new { need.Category, need.Urgency }, to = new { category, urgency }, ackDeadline });
        });

    public sealed record ResolveRequest(string? Outcome, string? Note);

    static Task<IResult> Resolve(long id, ResolveRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock,
        EscalationStore escalations, CancellationToken ct) =>
        ChangeAsync(id, user, db, clock, ct, async (conn, tx, need, now) =>
        {
            if (!Outcomes.Contains(request.Outcome))
            {
                return $"outcome must be one of {string.Join(", ", Outcomes)}.";
            }

            var note = request.Note?.Trim();
            if (note is { Length: > 4000 })
            {
                return "note must be at most 4000 characters.";
            }

            await conn.ExecuteAsync(
                """
                UPDATE needs SET status = 'resolved', resolution = @Outcome, resolved_at = @now, updated_at = @now,
                    acknowledged_at = coalesce(acknowledged_at, @now), acknowledged_by = coalesce(acknowledged_by, @staffId)
                WHERE id = @id
                """, new { request.Outcome, now, id, staffId = user.StaffId() }, tx);
            // Escalation alerts not yet sent about it are called off.
            await escalations.CancelPendingAsync(conn, tx, id, now);
            if (!string.IsNullOrEmpty(note))
            {
                await conn.ExecuteAsync("INSERT INTO need_notes (need_id, staff_id, body, created_at) VALUES (@id, @staffId, @note, @now)",
                    new { id, staffId = user.StaffId(), note, now }, tx);
            }

            return Audit("resolved", new { outcome = request.Outcome, previousStatus = need.Status });
        });

    // Runs one change under a row lock: the change returns either an error message or the audit entry to write.
    static async Task<IResult> ChangeAsync(long id, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct,
        Func<NpgsqlConnection, NpgsqlTransaction, Need, DateTime, Task<object>> change, bool allowClosed = false)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var need = await conn.QuerySingleOrDefaultAsync<Need>("SELECT * FROM needs WHERE id = @id FOR UPDATE", new { id }, tx);
        if (need is null)
        {
            return TypedResults.NotFound();
        }

        if (!allowClosed && need.Status is "resolved" or "cancelled")
        {
            return TypedResults.Problem($"Need {need.Reference} is {need.Status}.", statusCode: StatusCodes.Status409Conflict);
        }

        switch (await change(conn, tx, need, now))
        {
            case string error:
                return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
            case AuditChange audit:
                await AuditLog.WriteAsync(conn, tx, new AuditEntry(user.Actor(), user.StaffId(), "need", id, audit.Action, audit.Details, now));
                break;
        }

        await tx.CommitAsync(ct);
        return TypedResults.Ok(await conn.QuerySingleAsync<Need>("SELECT * FROM needs WHERE id = @id", new { id }));
    }

    sealed record AuditChange(string Action, string Details);

    static AuditChange Audit(string action, object details) => new(action, JsonSerializer.Serialize(details));
}
