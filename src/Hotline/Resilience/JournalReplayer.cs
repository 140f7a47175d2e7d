using Dapper;
using Hotline.Calls;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;
using Npgsql;

namespace Hotline.Resilience;

// Brings journaled webhooks into the database once it is back, oldest first, through the very endpoints (and
// filters) that would have handled them, which are idempotent. An entry is removed only after its handler
// committed; a failure stops the round and the rest waits for the next one.
public sealed class JournalReplayer(
    WebhookJournal journal, EndpointDataSource endpoints, IServiceScopeFactory scopes, IHttpContextAccessor accessor,
    NpgsqlDataSource db, ILogger<JournalReplayer> logger) : BackgroundService
{
    static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (journal.Depth > 0 && await DatabaseAnswersAsync(stoppingToken))
                {
                    await ReplayAsync(stoppingToken);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The replayer must outlive any one bad round: the journal is the only copy of those webhooks.
                logger.LogError(e, "Journal replay round failed; retrying");
            }
        }
    }

    public async Task<int> ReplayAsync(CancellationToken ct)
    {
        var replayed = 0;
        foreach (var file in journal.Pending())
        {
            var entry = journal.Read(file);
            if (entry is null)
            {
                logger.LogWarning("Journal file {File} is unreadable (cut short by a crash before it was answered); set aside", file);
                journal.Reject(file);
                continue;
            }

            int status;
            try
            {
                status = await InvokeAsync(entry, ct);
            }
            catch (Telephony.BadWebhookException e)
            {
                logger.LogError("Replay of {Path} from {ReceivedAt:O} is malformed ({Message}); set aside", entry.Path, entry.ReceivedAt, e.Message);
                journal.Reject(file);
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning("Replay of {Path} from {ReceivedAt:O} failed, will retry: {Message}", entry.Path, entry.ReceivedAt, e.Message);
                break;
            }

            if (status is >= 200 and < 300)
            {
                journal.Remove(file);
                replayed++;
            }
            else
            {
                logger.LogError("Replay of {Path} from {ReceivedAt:O} was refused with {Status}; set aside in the journal's rejected folder",
                    entry.Path, entry.ReceivedAt, status);
                journal.Reject(file);
            }
        }

        if (replayed > 0)
        {
            logger.LogInformation("Replayed {Count} journaled webhooks; {Depth} left", replayed, journal.Depth);
        }

        return replayed;
    }

    async Task<int> InvokeAsync(JournalEntry entry, CancellationToken ct)
    {
        var endpoint = endpoints.Endpoints.OfType<RouteEndpoint>()
            .FirstOrDefault(e => Normalize(e.RoutePattern) == entry.Path)
            ?? throw new InvalidOperationException($"No endpoint for journaled path {entry.Path}");

        await using var scope = scopes.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = ct };
        http.Request.Method = HttpMethods.Post;
        http.Request.Path = entry.Path;
        http.Request.QueryString = new QueryString(entry.Query);
        http.Request.ContentType = "application/x-www-form-urlencoded";
        http.Features.Set<IFormFeature>(new FormFeature(new FormCollection(
            entry.Form.ToDictionary(f => f.Key, f => new Microsoft.Extensions.Primitives.StringValues(f.Value)))));
        if (entry.IdempotencyToken is not null)
        {
            http.Request.Headers[Telephony.WebhookReceiptFilter.TokenHeader] = entry.IdempotencyToken;
        }

        http.Items[VoiceWebhook.ReplayMarker] = entry.ReceivedAt;
        http.Response.Body = Stream.Null;
        http.SetEndpoint(endpoint);
        accessor.HttpContext = http;
        try
        {
            await endpoint.RequestDelegate!(http);
        }
        finally
        {
            accessor.HttpContext = null;
        }

        return http.Response.StatusCode;
    }

    static string Normalize(RoutePattern pattern) => "/" + (pattern.RawText ?? "").Trim('/');

    async Task<bool> DatabaseAnswersAsync(CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
            await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: timeout.Token));
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }
}
