using System.Globalization;
using System.Security.Claims;
using Hotline.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.Escalations;

public static class EscalationEndpoints
{
    public static RouteGroupBuilder MapEscalations(this RouteGroupBuilder api)
    {
        api.MapGet("/escalations", List);
        api.MapPost("/needs/{id:long}/acknowledge", Acknowledge);
        return api;
    }

    public sealed record AcknowledgeResponse(long NeedId, string Reference, string Outcome, string Status, DateTime? AcknowledgedAt, long? AcknowledgedBy);

    // status: an alert status, or "open" for the alerts of needs that still wait. Supervisors, who are the ones
    // alerted, see open escalations first; everyone else newest first.
    static async Task<Results<Ok<IReadOnlyList<EscalationView>>, ProblemHttpResult>> List(
        string? status, int? limit, ClaimsPrincipal user, NpgsqlDataSource db, EscalationStore store, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(status) && status != "open" && !AlertStatus.All.Contains(status))
        {
            return TypedResults.Problem($"status must be open or one of {string.Join(", ", AlertStatus.All)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        var list = await store.ListAsync(conn, string.IsNullOrEmpty(status) ? null : status, user.IsInRole(Roles.Supervisor), Math.Clamp(limit ?? 200, 1, 1000));
        return TypedResults.Ok(list);
    }

    // Any staff member may acknowledge from the console; doing it twice is harmless and says so.
    static async Task<Results<Ok<AcknowledgeResponse>, NotFound>> Acknowledge(
        long id, ClaimsPrincipal user, NpgsqlDataSource db, Acknowledgements acks, TimeProvider clock, CancellationToken ct)
    {
        var staffId = long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var result = await acks.AcknowledgeAsync(conn, tx, id, staffId, Acknowledgements.ViaConsole, clock.GetUtcNow().UtcDateTime);
        await tx.CommitAsync(ct);
        acks.AfterCommit(result);
        if (result.Need is not { } need)
        {
            return TypedResults.NotFound();
        }

        var outcome = result.Outcome switch
        {
            AckOutcome.Acknowledged => "acknowledged",
            AckOutcome.FulfilAlertAcknowledged => "fulfil_alert_acknowledged",
            _ => "nothing_to_acknowledge",
        };
        return TypedResults.Ok(new AcknowledgeResponse(need.Id, need.Reference, outcome, need.Status, need.AcknowledgedAt, need.AcknowledgedBy));
    }
}
