using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Hotline.Needs;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.Callbacks;

public static class CallbackEndpoints
{
    const int MaxReason = 500;

    public static RouteGroupBuilder MapCallbacks(this RouteGroupBuilder api)
    {
        var callbacks = api.MapGroup("/callbacks");
        callbacks.MapGet("", List);
        callbacks.MapGet("/next", Next);
        callbacks.MapPost("", Schedule);
        callbacks.MapPost("/{id:long}/dial", Dial);
        callbacks.MapPost("/{id:long}/cancel", Cancel);
        return api;
    }

    public sealed record CallbackView(Callback Callback, IReadOnlyList<CallbackAttempt> Attempts, IReadOnlyList<CallbackEvent> Events);

    // WaitingCallerFirst: a caller in the queue now has an earlier place (by urgency, then the time they called) than
    // the next due callback, so the operator takes that call first and the callback does not jump the line.
    public sealed record NextCallback(CallbackView? Next, WaitingCaller? WaitingCaller, bool WaitingCallerFirst);

    public sealed record ScheduleRequest(string? Phone, DateTimeOffset? At, long? NeedId, string? Urgency, string? Note);

    public sealed record ScheduledCallback(CallbackView Callback, bool Merged);

    public sealed record CancelRequest(string? Reason);

    public sealed record DialStarted(long CallbackId, int AttemptNo, long CallId);

    static async Task<Results<Ok<IReadOnlyList<CallbackView>>, ProblemHttpResult>> List(
        string? status, int? limit, NpgsqlDataSource db, CallbackStore store, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(status) && !CallbackStatus.All.Contains(status))
        {
            return Problem($"status must be one of {string.Join(", ", CallbackStatus.All)}.", StatusCodes.Status400BadRequest);
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        var callbacks = await store.ListAsync(conn, string.IsNullOrEmpty(status) ? null : status, Math.Clamp(limit ?? 200, 1, 1000));
        return TypedResults.Ok(await ViewsAsync(conn, store, callbacks));
    }

    static async Task<Ok<NextCallback>> Next(NpgsqlDataSource db, CallbackStore store, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var next = (await store.NextDueAsync(conn, null, clock.GetUtcNow().UtcDateTime, forOperator: true, 1)).FirstOrDefault();
        var waiting = await store.FirstWaitingCallerAsync(conn, null, clock.GetUtcNow().UtcDateTime);
        var waitingFirst = waiting is not null && (next is null || waiting.IsAheadOf(next));
        var view = next is null ? null : (await ViewsAsync(conn, store, [next]))[0];
        return TypedResults.Ok(new NextCallback(view, waiting, waitingFirst));
    }

    // From the console: an operator promises a call at a time. With a need, the callback takes that need's place and
    // urgency; a number that already has an open callback gets it merged.
    static async Task<Results<Created<ScheduledCallback>, Ok<ScheduledCallback>, ProblemHttpResult>> Schedule(
        ScheduleRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CallbackStore store, CallbackDialer dialer,
        Phones phones, TimeProvider clock, CancellationToken ct)
    {
        var phone = phones.ToE164(request.Phone);
        if (phone is null)
        {
            return Problem("phone must be a phone number.", StatusCodes.Status400BadRequest);
        }

        if (request.Urgency is not null && !Urgency.IsKnown(request.Urgency))
        {
            return Problem($"urgency must be one of {string.Join(", ", Urgency.Order)}.", StatusCodes.Status400BadRequest);
        }

        if (request.Note is { Length: > 2000 })
        {
            return Problem("note is longer than 2000 characters.", StatusCodes.Status400BadRequest);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var due = request.At?.UtcDateTime ?? now;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        Need? need = null;
        if (request.NeedId is { } needId)
        {
            need = await conn.QuerySingleOrDefaultAsync<Need>("SELECT * FROM needs WHERE id = @needId", new { needId }, tx);
            if (need is null)
            {
                return Problem($"There is no need {needId}.", StatusCodes.Status400BadRequest);
            }
        }

        var staffId = StaffId(user);
        var opened = await store.OpenAsync(conn, tx, new CallbackRequest(
            phone, CallbackSource.Console, request.Urgency ?? need?.Urgency ?? Urgency.Normal, need?.CreatedAt ?? now, due,
            $"request:console:{Guid.NewGuid():N}", need?.ResidentId, need?.Id, need?.CallId, Note: request.Note, StaffId: staffId), now);
        await tx.CommitAsync(ct);
        dialer.ScheduleJob(opened.Callback.Id, opened.Callback.DueAt);

        var result = new ScheduledCallback((await ViewsAsync(conn, store, [opened.Callback]))[0], opened.Merged);
        return opened.Merged ? TypedResults.Ok(result) : TypedResults.Created($"/api/callbacks/{opened.Callback.Id}", result);
    }

    // "Call back" in the console: rings the operator's own phone, which then dials the resident.
    static async Task<Results<Accepted<DialStarted>, NotFound, ProblemHttpResult>> Dial(
        long id, ClaimsPrincipal user, NpgsqlDataSource db, CallbackStore store, CallbackDialer dialer, TimeProvider clock, CancellationToken ct)
    {
        var staffId = StaffId(user);
        await using var conn = await db.OpenConnectionAsync(ct);
        var operatorPhone = await conn.ExecuteScalarAsync<string?>("SELECT phone FROM staff WHERE id = @staffId", new { staffId });
        if (string.IsNullOrEmpty(operatorPhone))
        {
            return Problem("Your staff record has no phone number to ring.", StatusCodes.Status400BadRequest);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await conn.BeginTransactionAsync(ct);
        var started = await dialer.StartForOperatorAsync(conn, tx, id, staffId, operatorPhone, now);
        if (started is null)
        {
            var existing = await store.GetAsync(conn, tx, id);
            return existing is null
                ? TypedResults.NotFound()
                : Problem($"Callback {id} is {existing.Status}, not pending.", StatusCodes.Status409Conflict);
        }

        await tx.CommitAsync(ct);
        dialer.Dispatch(started);
        return TypedResults.Accepted($"/api/callbacks/{id}", new DialStarted(id, started.AttemptNo, started.CallId));
    }

    static async Task<Results<Ok<CallbackView>, NotFound, ProblemHttpResult>> Cancel(
        long id, CancelRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CallbackStore store, TimeProvider clock, CancellationToken ct)
    {
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReason)
        {
            return Problem($"reason is required (at most {MaxReason} characters).", StatusCodes.Status400BadRequest);
        }

        var staffId = StaffId(user);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var cancelled = await store.CancelAsync(conn, tx, id, reason, now);
        if (cancelled is null)
        {
            var existing = await store.GetAsync(conn, tx, id);
            return existing is null
                ? TypedResults.NotFound()
                : Problem($"Callback {id} is already {existing.Status}.", StatusCodes.Status409Conflict);
        }

        await store.AddEventAsync(conn, tx, id, "cancelled", reason, staffId, now);
        await AuditLog.WriteAsync(conn, tx, new AuditEntry(user.Identity?.Name ?? "staff", staffId, "callback", id, "cancelled",
            JsonSerializer.Serialize(new { reason, cancelled.Phone, cancelled.NeedId, cancelled.Attempts }), now));
        await tx.CommitAsync(ct);
        return TypedResults.Ok((await ViewsAsync(conn, store, [(await store.GetAsync(conn, null, id))!]))[0]);
    }

    static async Task<IReadOnlyList<CallbackView>> ViewsAsync(NpgsqlConnection conn, CallbackStore store, IReadOnlyList<Callback> callbacks)
    {
        var ids = callbacks.Select(c => c.Id).ToArray();
        var attempts = (await store.AttemptsAsync(conn, ids)).ToLookup(a => a.CallbackId);
        var events = (await store.EventsAsync(conn, ids)).ToLookup(e => e.CallbackId);
        return callbacks.Select(c => new CallbackView(c, attempts[c.Id].ToList(), events[c.Id].ToList())).ToList();
    }

    static long StaffId(ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture);

    static ProblemHttpResult Problem(string detail, int status) => TypedResults.Problem(detail, statusCode: status);
}
