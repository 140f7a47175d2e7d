using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.OperatorConsole;

public static class ResidentEndpoints
{
    public static readonly string[] Flags = ["dialysis", "pregnant", "elderly_alone", "disabled"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/residents", Search);
        api.MapGet("/residents/{id:long}", Detail);
        api.MapPut("/residents/{id:long}", Update);
    }

    public sealed record ResidentItem
    {
        public long Id { get; init; }
        public string Phone { get; init; } = "";
        public string? Name { get; init; }
        public string? Address { get; init; }
        public string? Building { get; init; }
        public string? Unit { get; init; }
        public string? Language { get; init; }
        public string[] Flags { get; init; } = [];
        public string? CareNotes { get; init; }
        public string? EmergencyContact { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    // By name (any part) or by number (in any local format, or its last digits).
    static async Task<Ok<List<ResidentItem>>> Search(string? q, Phones phones, NpgsqlDataSource db, CancellationToken ct)
    {
        var text = (q ?? "").Trim();
        if (text.Length > 100)
        {
            text = text[..100];
        }

        var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.QueryAsync<ResidentItem>(new CommandDefinition(
            """
            SELECT * FROM residents
            WHERE @text = ''
               OR lower(name) LIKE '%' || lower(@like) || '%' ESCAPE '\'
               OR phone = @e164
               OR (length(@digits) >= 4 AND phone LIKE '%' || @digits)
            ORDER BY name NULLS LAST, id
            LIMIT 100
            """,
            new { text, like = text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_"), e164 = phones.ToE164(text), digits },
            cancellationToken: ct));
        return TypedResults.Ok(found.AsList());
    }

    public sealed record ResidentCall
    {
        public string? CallSid { get; init; }
        public string Direction { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Outcome { get; init; }
        public string? Purpose { get; init; }
        public DateTime StartedAt { get; init; }
    }

    public sealed record ResidentMessage
    {
        public string Direction { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    public sealed record ResidentHistory(
        ResidentItem Resident, IReadOnlyList<ResidentCall> Calls, IReadOnlyList<BoardNeed> Needs, IReadOnlyList<ResidentMessage> Messages);

    static async Task<Results<Ok<ResidentHistory>, NotFound>> Detail(long id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var resident = await conn.QuerySingleOrDefaultAsync<ResidentItem>("SELECT * FROM residents WHERE id = @id", new { id });
        if (resident is null)
        {
            return TypedResults.NotFound();
        }

        var calls = await conn.QueryAsync<ResidentCall>(
            """
            SELECT call_sid, direction, status, outcome, purpose, started_at FROM calls
            WHERE from_phone = @Phone OR to_phone = @Phone ORDER BY started_at DESC, id DESC LIMIT 100
            """, new { resident.Phone });
        var needs = await conn.QueryAsync<BoardNeed>(
            BoardStore.NeedColumns + " WHERE n.phone = @Phone OR n.resident_id = @Id ORDER BY n.created_at DESC LIMIT 100", new { resident.Phone, resident.Id });
        var messages = await conn.QueryAsync<ResidentMessage>(
            """
            SELECT direction, body, created_at FROM messages
            WHERE from_phone = @Phone OR to_phone = @Phone ORDER BY created_at DESC, id DESC LIMIT 100
            """, new { resident.Phone });
        return TypedResults.Ok(new ResidentHistory(resident, calls.AsList(), needs.AsList(), messages.AsList()));
    }

    public sealed record ResidentUpdate(string? Name, string? Language, string[]? Flags, string? CareNotes);

    static async Task<Results<Ok<ResidentItem>, NotFound, ProblemHttpResult>> Update(
        long id, ResidentUpdate update, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (update.Language is not null && update.Language != "" && !BoardEndpoints.Languages.Contains(update.Language))
        {
            return TypedResults.Problem($"language must be one of {string.Join(", ", BoardEndpoints.Languages)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (update.Flags?.FirstOrDefault(f => !Flags.Contains(f)) is { } unknown)
        {
            return TypedResults.Problem($"flag '{StatusText(unknown)}' is not one of {string.Join(", ", Flags)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (update.Name is { Length: > 200 } || update.CareNotes is { Length: > 4000 })
        {
            return TypedResults.Problem("name or care notes are too long.", statusCode: StatusCodes.Status400BadRequest);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var before = await conn.QuerySingleOrDefaultAsync<ResidentItem>("SELECT * FROM residents WHERE id = @id FOR UPDATE", new { id }, tx);
        if (before is null)
        {
            return TypedResults.NotFound();
        }

        var after = await conn.QuerySingleAsync<ResidentItem>(
            """
            UPDATE residents SET name = coalesce(@Name, name), language = CASE WHEN @Language IS NULL THEN language ELSE nullif(@Language, '') END,
                flags = coalesce(@Flags, flags), care_notes = coalesce(@CareNotes, care_notes), updated_at = @now
            WHERE id = @id RETURNING *
            """,
            new { update.Name, update.Language, Flags = update.Flags?.Distinct().ToArray(), update.CareNotes, now, id }, tx);
        await AuditLog.WriteAsync(conn, tx, new AuditEntry(user.Actor(), user.StaffId(), "resident", id, "updated",
            JsonSerializer.Serialize(new
            {
                from = new { before.Name, before.Language, before.Flags },
                to = new { after.Name, after.Language, after.Flags },
            }), now));
        await tx.CommitAsync(ct);
        return TypedResults.Ok(after);
    }

    static string StatusText(string value) => value.Length > 40 ? value[..40] : value;
}
