using System.Security.Claims;
using Dapper;
using Hotline.Escalations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.Needs;

// POST /api/needs/{id}/acknowledge: someone has seen the need and owns getting it answered. It is one of the three
// ways to acknowledge (with ACK by SMS and 1 on the alert call), so it goes through Acknowledgements, which also
// calls off the need's pending escalation alerts. Acknowledging twice is harmless (the first one counts); a need
// that is already closed cannot be acknowledged.
public static class NeedAcknowledgement
{
    public static void Map(RouteGroupBuilder api) => api.MapPost("/needs/{id:long}/acknowledge", Acknowledge);

    static async Task<Results<Ok<Need>, NotFound, ProblemHttpResult>> Acknowledge(
        long id, ClaimsPrincipal user, NpgsqlDataSource db, Acknowledgements acks, TimeProvider clock, CancellationToken ct)
    {
        var staffId = long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var result = await acks.AcknowledgeAsync(conn, tx, id, staffId, "staff:" + user.Identity!.Name, Acknowledgements.ViaConsole, clock.GetUtcNow().UtcDateTime);
        await tx.CommitAsync(ct);
        acks.AfterCommit(result);

        var current = await conn.QuerySingleOrDefaultAsync<Need>("SELECT * FROM needs WHERE id = @id", new { id });
        return current switch
        {
            null => TypedResults.NotFound(),
            { Status: "open" or "acknowledged" } => TypedResults.Ok(current),
            _ => TypedResults.Problem($"Need {current.Reference} is {current.Status}.", statusCode: StatusCodes.Status409Conflict),
        };
    }
}
