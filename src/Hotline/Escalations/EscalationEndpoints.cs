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
        return api;
    }

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
}
