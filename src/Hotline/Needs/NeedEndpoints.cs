using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hotline.Needs;

public static class NeedEndpoints
{
    static readonly string[] Statuses = ["open", "acknowledged", "resolved", "cancelled"];

    public static RouteGroupBuilder MapNeeds(this RouteGroupBuilder api)
    {
        api.MapGet("/needs", List);
        return api;
    }

    // Most urgent first, then the nearest acknowledgement deadline.
    static async Task<Results<Ok<IReadOnlyList<Need>>, ProblemHttpResult>> List(
        string? status, string? urgency, int? limit, NpgsqlDataSource db, NeedStore needs, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(status) && !Statuses.Contains(status))
        {
            return TypedResults.Problem($"status must be one of {string.Join(", ", Statuses)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (!string.IsNullOrEmpty(urgency) && !Urgency.IsKnown(urgency))
        {
            return TypedResults.Problem($"urgency must be one of {string.Join(", ", Urgency.Order)}.", statusCode: StatusCodes.Status400BadRequest);
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        var list = await needs.ListAsync(conn, NullIfEmpty(status), NullIfEmpty(urgency), Math.Clamp(limit ?? 200, 1, 1000));
        return TypedResults.Ok(list);
    }

    static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
