using System.Security.Claims;
using Dapper;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.Residents;

public static class ResidentEndpoints
{
    public static RouteGroupBuilder MapResidents(this RouteGroupBuilder api)
    {
        api.MapGet("/residents", Search);
        api.MapGet("/residents/{id:long}", Detail);
        api.MapPut("/residents/{id:long}", Update);
        api.MapGet("/residents/waiting", Waiting);
        // A whole-registry change and a file with every vulnerable resident's address and care notes: supervisors only.
        // Operators correct one resident at a time with PUT, which is audited field by field.
        api.MapPost("/residents/import", Import).RequireAuthorization(Policies.Supervisor);
        api.MapGet("/residents.csv", Export).RequireAuthorization(Policies.Supervisor);
        return api;
    }

    static async Task<Results<Ok<IReadOnlyList<Resident>>, ProblemHttpResult>> Search(
        string? q, string? flag, int? limit, ResidentStore residents, Phones phones, ResidentVocabulary vocabulary, CancellationToken ct)
    {
        if (q is { Length: > 100 })
        {
            return TypedResults.Problem("q is too long.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (!string.IsNullOrEmpty(flag) && !vocabulary.Flags.Contains(flag))
        {
            return TypedResults.Problem($"flag must be one of {string.Join(", ", vocabulary.Flags)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        var list = await residents.SearchAsync(q, phones.ToE164(q), string.IsNullOrEmpty(flag) ? null : flag, Math.Clamp(limit ?? 50, 1, 500), ct);
        return TypedResults.Ok(list);
    }

    static async Task<Results<Ok<ResidentDetail>, NotFound>> Detail(long id, ResidentStore residents, CancellationToken ct)
    {
        if (await residents.FindAsync(id, ct) is not { } resident)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await residents.DetailAsync(resident, 100, ct));
    }

    static async Task<Results<Ok<Resident>, NotFound, ProblemHttpResult>> Update(
        long id, ResidentChanges changes, ClaimsPrincipal user, ResidentStore residents, ResidentVocabulary vocabulary, TimeProvider clock, CancellationToken ct)
    {
        string[]? flags = null;
        if (changes.Flags is not null)
        {
            var (parsed, error) = vocabulary.ParseFlags(string.Join(';', changes.Flags));
            if (error is not null)
            {
                return TypedResults.Problem(error + ".", statusCode: StatusCodes.Status400BadRequest);
            }

            flags = parsed;
        }

        var language = changes.Language;
        if (!string.IsNullOrEmpty(language))
        {
            (language, var error) = vocabulary.ParseLanguage(language);
            if (error is not null)
            {
                return TypedResults.Problem(error + ".", statusCode: StatusCodes.Status400BadRequest);
            }
        }

        var tooLong = new (string Column, string? Value)[]
            {
                (ResidentColumns.Name, changes.Name), (ResidentColumns.Address, changes.Address), (ResidentColumns.Building, changes.Building),
                (ResidentColumns.Unit, changes.Unit), (ResidentColumns.CareNotes, changes.CareNotes), (ResidentColumns.EmergencyContact, changes.EmergencyContact),
            }
            .FirstOrDefault(f => f.Value?.Length > ResidentColumns.MaxLength[f.Column]);
        if (tooLong.Column is not null)
        {
            return TypedResults.Problem($"{tooLong.Column} is longer than {ResidentColumns.MaxLength[tooLong.Column]} characters.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var updated = await residents.UpdateAsync(id, changes with { Flags = flags, Language = language }, StaffId(user), Actor(user),
            clock.GetUtcNow().UtcDateTime, ct);
        return updated is null ? TypedResults.NotFound() : TypedResults.Ok(updated);
    }

    // A file upload from the console (multipart) or the file itself as the body (text/csv) from a script.
    static async Task<Results<Ok<ImportResult>, ProblemHttpResult>> Import(
        HttpRequest request, ClaimsPrincipal user, ResidentImporter importer, TimeProvider clock, ILogger<ResidentImporter> logger, CancellationToken ct)
    {
        Stream body;
        long? length;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            if (form.Files.Count != 1)
            {
                return TypedResults.Problem("Send exactly one CSV file.", statusCode: StatusCodes.Status400BadRequest);
            }

            body = form.Files[0].OpenReadStream();
            length = form.Files[0].Length;
        }
        else
        {
            body = request.Body;
            length = request.ContentLength;
        }

        await using (body)
        {
            var result = await importer.ImportAsync(body, length, Actor(user), StaffId(user), clock.GetUtcNow().UtcDateTime, progress: null, ct);
            logger.LogInformation("Residents imported by {Actor}: {Rows} rows, {Inserted} new, {Updated} updated, {Rejected} rejected, {Superseded} superseded",
                Actor(user), result.Rows, result.Inserted, result.Updated, result.Rejected, result.Superseded);
            return TypedResults.Ok(result);
        }
    }

    static async Task Export(HttpContext http, ResidentExport export, TimeProvider clock, CancellationToken ct)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"residents-{clock.GetUtcNow():yyyyMMddHHmm}.csv\"";
        await export.WriteAsync(http.Response.Body, ct);
    }

    public sealed record WaitingCaller
    {
        public string CallSid { get; init; } = "";
        public string Queue { get; init; } = "";
        public DateTime EnqueuedAt { get; init; }
        public string Phone { get; init; } = "";
        public long? ResidentId { get; init; }
        public string? ResidentName { get; init; }
        public string[] Flags { get; init; } = [];
        public string? Language { get; init; }
        public string? NeedReference { get; init; }
        public string? Category { get; init; }
        public string? Urgency { get; init; }
    }

    // Who waits in the queues, urgent first, with what the registry knows of them, so an operator sees a dialysis
    // patient or a resident living alone before picking up.
    static async Task<Ok<IReadOnlyList<WaitingCaller>>> Waiting(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<WaitingCaller>(new CommandDefinition(
            $$"""
            SELECT c.call_sid, c.queue_name AS queue, c.enqueued_at,
                   CASE WHEN c.direction = 'inbound' THEN c.from_phone ELSE c.to_phone END AS phone,
                   r.id AS resident_id, r.name AS resident_name, coalesce(r.flags, '{}') AS flags, coalesce(c.language, r.language) AS language,
                   n.reference AS need_reference, n.category, n.urgency
            FROM calls c
            LEFT JOIN residents r ON r.id = c.resident_id
            LEFT JOIN needs n ON n.call_id = c.id
            WHERE {{CallStore.WaitingInQueue}}
            ORDER BY (c.queue_name = 'urgent') DESC, c.enqueued_at, c.id
            LIMIT 500
            """, cancellationToken: ct));
        return TypedResults.Ok<IReadOnlyList<WaitingCaller>>(rows.Select(r => r with { Phone = Phones.Mask(r.Phone) }).ToList());
    }

    internal static long? StaffId(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    internal static string Actor(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "staff";
}
