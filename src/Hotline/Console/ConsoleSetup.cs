using Hotline.Staff;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;

// The namespace is not Hotline.Console: that would hide System.Console from all code under Hotline.
namespace Hotline.OperatorConsole;

public static class ConsoleSetup
{
    public const string CsrfHeader = "X-CSRF-TOKEN";
    public const string BackgroundHeader = "X-Hotline-Background";

    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAntiforgery(options =>
        {
            options.HeaderName = CsrfHeader;
            options.Cookie.Name = "hotline.csrf";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.HttpOnly = true;
        });
        // "Expires after inactivity" means a person's inactivity: the board's own re-reads (after a live notice, every
        // few seconds) and the live stream do not keep a session alive, only what staff do.
        services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, cookie =>
            cookie.Events.OnCheckSlidingExpiration = context =>
            {
                var request = context.Request;
                if (request.Path.StartsWithSegments("/api/live") || request.Headers.ContainsKey(BackgroundHeader))
                {
                    context.ShouldRenew = false;
                }

                return Task.CompletedTask;
            });
        services.AddSingleton<CsrfFilter>();
        services.AddSingleton<LiveFeed>();
        services.AddHostedService<LiveWatcher>();
        services.AddSingleton<BoardStore>();
        services.AddSingleton<ConsolePages>();
        return builder;
    }

    // Static assets (public: nothing in them is data) with headers that keep pages from running anyone else's script.
    public static WebApplication UseConsole(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            if (!http.Request.Path.StartsWithSegments("/hangfire"))
            {
                headers.ContentSecurityPolicy =
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; " +
                    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
            }

            await next(http);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }

    public static WebApplication MapConsolePages(this WebApplication app)
    {
        app.MapGet("/login", (ConsolePages pages, HttpContext http) => pages.Login(http)).AllowAnonymous().ExcludeFromDescription();
        var console = app.MapGroup("").RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        foreach (var (path, page) in ConsolePages.Routes)
        {
            console.MapGet(path, (ConsolePages pages, HttpContext http, CancellationToken ct) => pages.RenderAsync(page, http, ct));
        }

        return app;
    }

    public static RouteGroupBuilder MapConsole(this RouteGroupBuilder api)
    {
        api.MapGet("/auth/csrf", (IAntiforgery antiforgery, HttpContext http) =>
            TypedResults.Ok(new { token = antiforgery.GetAndStoreTokens(http).RequestToken }));
        api.MapGet("/live", LiveEndpoint.Stream);
        BoardEndpoints.Map(api);
        InboxEndpoints.Map(api);
        NeedDeskEndpoints.Map(api);
        SupervisorEndpoints.Map(api);
        return api;
    }

    public static RouteGroupBuilder MapConsoleWebhooks(this RouteGroupBuilder twilio)
    {
        TakeNextCall.Map(twilio);
        return twilio;
    }
}
