using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Hotline.Needs;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.OperatorConsole;

// The voicemail inbox: unheard messages first, oldest first (working order), then what was heard lately.
// Audio goes through /api/voicemails/{recordingSid}/audio, never a Twilio address.
public static class InboxEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/voicemails", List);
        api.MapPost("/voicemails/{recordingSid}/heard", Heard);
        api.MapPost("/voicemails/{recordingSid}/need", ToNeed);
    }

    public sealed record VoicemailItem
    {
        public long Id { get; init; }
        public string RecordingSid { get; init; } = "";
        public string? CallSid { get; init; }
        // Masked for the screen; the full number only goes where it is dialled (a callback).
        public string Phone { get; init; } = "";
        public string CallerPhone { get; init; } = "";
        public string? ResidentName { get; init; }
        public int? DurationSeconds { get; init; }
        public string? RecordingStatus { get; init; }
        public string? Transcript { get; init; }
        public string? TranscriptionStatus { get; init; }
        public DateTime? HeardAt { get; init; }
        public string? HeardByName { get; init; }
        public DateTime CreatedAt { get; init; }
        public long? NeedId { get; init; }
        public string? NeedReference { get; init; }
        public string? NeedCategory { get; init; }
        public string? NeedUrgency { get; init; }
        public string? NeedStatus { get; init; }
    }

    public const string VoicemailColumns = """
        SELECT v.id, v.recording_sid, c.call_sid, c.from_phone AS phone, c.from_phone AS caller_phone, r.name AS resident_name, v.duration_seconds,
               v.recording_status, v.transcript, v.transcription_status, v.heard_at, h.display_name AS heard_by_name, v.created_at,
               n.id AS need_id, n.reference AS need_reference, n.category AS need_category, n.urgency AS need_urgency, n.status AS need_status
        FROM voicemails v
        JOIN calls c ON c.id = v.call_id
        LEFT JOIN residents r ON r.id = c.resident_id
        LEFT JOIN staff h ON h.id = v.heard_by
        LEFT JOIN needs n ON n.id = coalesce(v.need_id, (SELECT x.id FROM needs x WHERE x.call_id = v.call_id))
        """;

    static async Task<Ok<List<VoicemailItem>>> List(bool? unheardOnly, int? limit, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var items = await conn.QueryAsync<VoicemailItem>(new CommandDefinition(
            VoicemailColumns + """
             WHERE v.heard_at IS NULL OR (NOT @unheardOnly AND v.created_at > @since)
            ORDER BY v.heard_at IS NULL DESC, CASE WHEN v.heard_at IS NULL THEN v.created_at END, v.created_at DESC, v.id DESC
            LIMIT @limit
            """,
            new { unheardOnly = unheardOnly ?? false, since = clock.GetUtcNow().UtcDateTime.AddDays(-7), limit = Math.Clamp(limit ?? 200, 1, 1000) },
            cancellationToken: ct));
        return TypedResults.Ok(items.Select(v => v with { Phone = Phones.Mask(v.Phone) }).ToList());
    }

    static async Task<Results<Ok<VoicemailItem>, NotFound>> Heard(string recordingSid, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var marked = await conn.QuerySingleOrDefaultAsync<(long Id, long? NeedId)?>(
            """
            UPDATE voicemails v SET heard_at = @now, heard_by = @staffId
            WHERE recording_sid = @recordingSid AND heard_at IS NULL
            RETURNING v.id, coalesce(v.need_id, (SELECT x.id FROM needs x WHERE x.call_id = v.call_id))
            """, new { recordingSid, now, staffId = user.StaffId() }, tx);
        if (marked is { NeedId: { } needId })
        {
            await AuditLog.WriteAsync(conn, tx, new AuditEntry(user.Actor(), user.StaffId(), "need", needId, "voicemail_heard",
                JsonSerializer.Serialize(new { recordingSid }), now));
        }

        await tx.CommitAsync(ct);
        var item = await conn.QuerySingleOrDefaultAsync<VoicemailItem>(VoicemailColumns + " WHERE v.recording_sid = @recordingSid", new { recordingSid });
        return item is null ? TypedResults.NotFound() : TypedResults.Ok(item with { Phone = Phones.Mask(item.Phone) });
    }

    public sealed record ToNeedRequest(string? Category);

    sealed record VoicemailOrigin
    {
        public long Id { get; init; }
        public long CallId { get; init; }
        public string FromPhone { get; init; } = "";
        public long? ResidentId { get; init; }
        public string[] ResidentFlags { get; init; } = [];
        public string? Transcript { get; init; }
        public long? NeedId { get; init; }
    }

    // A voicemail left after the menu already has its need; one without gets one here (the call's need if another
    // request made it meanwhile), with the transcript as its summary.
    static async Task<Results<Ok<Need>, NotFound, ProblemHttpResult>> ToNeed(string recordingSid, ToNeedRequest request, ClaimsPrincipal user,
        NpgsqlDataSource db, NeedStore needs, NeedPolicy policy, TimeProvider clock, CancellationToken ct)
    {
        var category = request.Category ?? NeedPolicy.OtherCategory;
        if (!policy.IsCategory(category))
        {
            return TypedResults.Problem("category is not a need category.", statusCode: StatusCodes.Status400BadRequest);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var origin = await conn.QuerySingleOrDefaultAsync<VoicemailOrigin>(
            """
            SELECT v.id, v.call_id, c.from_phone, c.resident_id, coalesce(r.flags, '{}') AS resident_flags, v.transcript,
                   coalesce(v.need_id, (SELECT x.id FROM needs x WHERE x.call_id = v.call_id)) AS need_id
            FROM voicemails v JOIN calls c ON c.id = v.call_id LEFT JOIN residents r ON r.id = c.resident_id
            WHERE v.recording_sid = @recordingSid
            FOR UPDATE OF v
            """, new { recordingSid }, tx);
        if (origin is null)
        {
            return TypedResults.NotFound();
        }

        var need = origin.NeedId is { } existing
            ? await conn.QuerySingleAsync<Need>("SELECT * FROM needs WHERE id = @existing", new { existing }, tx)
            : await needs.OpenAsync(conn, tx, new NewNeed("voicemail", category, origin.FromPhone, origin.ResidentId, origin.ResidentFlags,
                CallId: origin.CallId, Summary: Clip(origin.Transcript)), now);
        await conn.ExecuteAsync("UPDATE voicemails SET need_id = @Id WHERE id = @voicemailId AND need_id IS NULL", new { need.Id, voicemailId = origin.Id }, tx);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(need);
    }

    static string? Clip(string? text) => text is { Length: > 500 } ? text[..500] : text;
}
