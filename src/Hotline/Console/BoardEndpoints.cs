using System.Security.Claims;
using Dapper;
using Hotline.Needs;
using Hotline.Residents;
using Hotline.Staff;
using Hotline.Telephony;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.OperatorConsole;

public static class BoardEndpoints
{
    public static readonly string[] Languages = ["zh-CN", "en-US"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/board", Board);
        api.MapGet("/staff", StaffList);
        api.MapPost("/staff/me/duty", Duty);
        api.MapPost("/staff/me/language", Language);
        api.MapPost("/board/take-next", TakeNext);
        api.MapGet("/console/meta", Meta);
    }

    public sealed record ConsoleMeta(
        IReadOnlyList<string> Categories, IReadOnlyList<string> Urgencies, IReadOnlyList<string> Outcomes, IReadOnlyList<string> Flags, IReadOnlyList<string> Languages);

    // The choices the pages offer, from the same lists the API checks against.
    static Ok<ConsoleMeta> Meta(IOptions<NeedOptions> needs, ResidentVocabulary residents) => TypedResults.Ok(new ConsoleMeta(
        needs.Value.Categories.OrderBy(c => c.Value.Digit).Select(c => c.Key).ToList(), Urgency.Order, NeedDeskEndpoints.Outcomes,
        residents.Flags, residents.Languages));

    static async Task<Ok<BoardView>> Board(ClaimsPrincipal user, BoardStore board, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await board.ReadAsync(user.StaffId(), clock.GetUtcNow().UtcDateTime, ct));

    public sealed record StaffItem
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string Role { get; init; } = "";
        public bool OnDuty { get; init; }
        public int? EscalationLevel { get; init; }
        public string Language { get; init; } = "";
        public bool HasPhone { get; init; }
    }

    // For "assign to": everyone, on duty first.
    static async Task<Ok<List<StaffItem>>> StaffList(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var staff = await conn.QueryAsync<StaffItem>(new CommandDefinition(
            """
            SELECT id, username, display_name, role, on_duty, escalation_level, language, phone IS NOT NULL AS has_phone
            FROM staff ORDER BY on_duty DESC, display_name
            """, cancellationToken: ct));
        return TypedResults.Ok(staff.AsList());
    }

    public sealed record DutyRequest(bool OnDuty);

    static async Task<Results<Ok<DutyRequest>, NotFound>> Duty(DutyRequest request, ClaimsPrincipal user, BoardStore board, TimeProvider clock, CancellationToken ct) =>
        await board.SetDutyAsync(user.StaffId(), request.OnDuty, clock.GetUtcNow().UtcDateTime, ct)
            ? TypedResults.Ok(request)
            : TypedResults.NotFound();

    public sealed record LanguageRequest(string? Language);

    static async Task<Results<NoContent, ProblemHttpResult>> Language(LanguageRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!Languages.Contains(request.Language))
        {
            return TypedResults.Problem($"language must be one of {string.Join(", ", Languages)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("UPDATE staff SET language = @Language WHERE id = @id",
            new { request.Language, id = user.StaffId() }, cancellationToken: ct));
        return TypedResults.NoContent();
    }

    public sealed record TakeNextAnswer(long CallId, string Queue);

    sealed record Caller
    {
        public string? Phone { get; init; }
        public bool OnDuty { get; init; }
    }

    static async Task<Results<Accepted<TakeNextAnswer>, ProblemHttpResult>> TakeNext(
        ClaimsPrincipal user, NpgsqlDataSource db, Outbox outbox, IOptions<TwilioOptions> twilio, TimeProvider clock, CancellationToken ct)
    {
        var staffId = user.StaffId();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // A double click must not ring the operator twice.
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('take_next'), @id)", new { id = (int)staffId }, tx);
        var me = await conn.QuerySingleOrDefaultAsync<Caller>("SELECT phone, on_duty FROM staff WHERE id = @staffId", new { staffId }, tx);
        if (me?.Phone is not { } phone)
        {
            return Refuse(StatusCodes.Status400BadRequest, "Your staff record has no phone number to ring; a supervisor can add one.");
        }

        if (!me.OnDuty)
        {
            return Refuse(StatusCodes.Status409Conflict, "Go on duty first.");
        }

        if (await conn.ExecuteScalarAsync<bool>(
                $"SELECT EXISTS (SELECT 1 FROM calls WHERE to_phone = @phone AND direction <> 'inbound' AND status IN {BoardStore.LiveOutbound} AND started_at > @now - interval '4 hours')",
                new { phone, now }, tx))
        {
            return Refuse(StatusCodes.Status409Conflict, "Your phone already has a call in progress.");
        }

        var front = await conn.QuerySingleOrDefaultAsync<TakeNextCall.FrontCaller>(TakeNextCall.FrontOfQueues, transaction: tx);
        if (front is null)
        {
            return Refuse(StatusCodes.Status409Conflict, "Nobody is waiting.");
        }

        var callId = await outbox.QueueCallAsync(conn, tx,
            new OutboundCall(phone, $"/twilio/console/take-next?staff={staffId}", TakeNextCall.Purpose, $"take-next:{staffId}:{Guid.NewGuid():N}"),
            twilio.Value.PhoneNumber, now);
        await tx.CommitAsync(ct);
        outbox.PlaceCallNow(callId);
        return TypedResults.Accepted((string?)null, new TakeNextAnswer(callId, front.QueueName));
    }

    static ProblemHttpResult Refuse(int status, string message) => TypedResults.Problem(message, statusCode: status);

    public static bool IsSupervisor(this ClaimsPrincipal user) => user.IsInRole(Roles.Supervisor);
}
