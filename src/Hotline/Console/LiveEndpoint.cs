using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Hotline.OperatorConsole;

// GET /api/live: server-sent events, one "change" event per table that changed (data: the table name, or "*" for
// "re-read everything"). The page re-reads its data on an event; the stream carries no data of its own.
public static class LiveEndpoint
{
    static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task Stream(HttpContext http, LiveFeed feed, TimeProvider clock, CancellationToken ct)
    {
        // The session's own expiry ends the stream too, so an idle board does not outlive its login: the browser
        // reconnects, gets 401 and the page goes to the login form.
        var session = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        var expires = session.Properties?.ExpiresUtc ?? clock.GetUtcNow().AddMinutes(30);

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache, no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var reader = feed.Subscribe();
        try
        {
            await http.Response.WriteAsync("retry: 2000\n\nevent: change\ndata: *\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var left = expires - clock.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    return;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(left < Heartbeat ? left : Heartbeat);
                string text;
                try
                {
                    await reader.WaitToReadAsync(wait.Token);
                    var tables = new HashSet<string>();
                    while (reader.TryRead(out var table))
                    {
                        tables.Add(table);
                    }

                    text = string.Concat(tables.Select(t => $"event: change\ndata: {t}\n\n"));
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    text = ": keep-alive\n\n";
                }

                await http.Response.WriteAsync(text, ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser went away.
        }
        finally
        {
            feed.Unsubscribe(reader);
        }
    }
}
