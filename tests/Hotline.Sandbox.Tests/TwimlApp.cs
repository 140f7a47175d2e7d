using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Twilio.Security;

namespace Hotline.Sandbox.Tests;

// A stand-in for the hotline app in the tests: answers each path with TwiML built from the request's form,
// and records every request it got with whether its X-Twilio-Signature checked out.
public sealed class TwimlApp : IAsyncDisposable
{
    public const string AuthToken = "test-auth-token";
    public const string AccountSid = "AC_sandbox_tests";

    private readonly ConcurrentDictionary<string, Func<IReadOnlyDictionary<string, string>, string>> routes = new();
    private readonly ConcurrentQueue<AppHit> hits = new();
    private readonly WebApplication app;

    public TwimlApp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.Run(HandleAsync);
        app.StartAsync().GetAwaiter().GetResult();
        Handler = app.GetTestServer().CreateHandler();
    }

    public HttpMessageHandler Handler { get; }

    public IReadOnlyList<AppHit> Hits => hits.ToList();

    public IReadOnlyList<AppHit> HitsTo(string path) => hits.Where(h => h.Path == path).ToList();

    public static SandboxOptions Options(double speed = 200) => new()
    {
        AccountSid = AccountSid,
        AuthToken = AuthToken,
        AppBaseUrl = "http://localhost",
        Speed = speed,
    };

    public void Map(string path, Func<IReadOnlyDictionary<string, string>, string> twiml) => routes[path] = twiml;

    public void Map(string path, string twiml) => routes[path] = _ => twiml;

    private async Task HandleAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType
            ? (await context.Request.ReadFormAsync()).ToDictionary(p => p.Key, p => p.Value.ToString())
            : new Dictionary<string, string>();
        var url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}{context.Request.QueryString}";
        var signed = new RequestValidator(AuthToken).Validate(url, form, context.Request.Headers["X-Twilio-Signature"].ToString());
        var token = context.Request.Headers["I-Twilio-Idempotency-Token"].ToString();
        hits.Enqueue(new AppHit(context.Request.Path, form, signed, token));

        if (!routes.TryGetValue(context.Request.Path, out var route))
        {
            context.Response.StatusCode = context.Request.Path.StartsWithSegments("/status") ? 204 : 404;
            return;
        }

        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(route(form));
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

public sealed record AppHit(string Path, IReadOnlyDictionary<string, string> Form, bool SignatureValid, string IdempotencyToken)
{
    public string? this[string key] => Form.GetValueOrDefault(key);
}
