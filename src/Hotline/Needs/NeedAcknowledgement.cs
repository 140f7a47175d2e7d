using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.Needs;

// POST /api/needs/{id}/acknowledge: someone has seen the need and owns getting it answered. Acknowledging twice is
// harmless (the first one counts); a need that is already closed cannot be acknowledged.
public static class NeedAcknowledgement
{
    public static void Map(RouteGroupBuilder api) => api.MapPost("/needs/{id:long}/acknowledge", Acknowledge);

    public static async Task<Need?> AcknowledgeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long needId, long staffId, string actor, DateTime now)
    {
        var need = await conn.QuerySingleOrDefaultAsync<Need>(
            """
            UPDATE needs SET status = 'acknowledged', acknowledged_at = @now, acknowledged_by = @staffId,
                assigned_to = coalesce(assigned_to, @staffId), updated_at = @now
            WHERE id = @needId AND status = 'open'
            RETURNING *
            """, new { needId, staffId, now }, tx);
        if (need is not null)
        {
            var late = now > need.AckDeadline;
            await AuditLog.WriteAsync(conn, tx, new AuditEntry(actor, staffId, "need", needId, "acknowledged",
                JsonSerializer.Serialize(new { need.AckDeadline, late }), now));
        }

        return need;
    }

    static async Task<Results<Ok<Need>, NotFound, ProblemHttpResult>> Acknowledge(
        long id, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var staffId = long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var acknowledged = await AcknowledgeAsync(conn, tx, id, staffId, "staff:" + user.Identity!.Name, clock.GetUtcNow().UtcDateTime);
        await tx.CommitAsync(ct);
        if (acknowledged is not null)
        {
            return TypedResults.Ok(acknowledged);
        }

        var current = await conn.QuerySingleOrDefaultAsync<Need>("SELECT * FROM needs WHERE id = @id", new { id });
        return current switch
        {
            null => TypedResults.NotFound(),
            { Status: "acknowledged" } => TypedResults.Ok(current),
            _ => TypedResults.Problem($"Need {current.Reference} is {current.Status}.", statusCode: StatusCodes.Status409Conflict),
        };
    }
}
