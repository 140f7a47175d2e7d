using Hotline.Calls;
using Hotline.Messaging;
using Hotline.Needs;
using Hotline.Resilience;
using Hotline.Staff;
using Hotline.Telephony;
using Hotline.Voicemails;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Npgsql;
using Microsoft.Extensions.Options;

namespace Hotline.Infrastructure;

// The service registrations behind Program.cs, grouped so that Program.cs reads as a table of contents.
public static class Startup
{
    public const string LoginRateLimit = "login";

    public static WebApplicationBuilder AddOptions(this WebApplicationBuilder builder)
    {
        Bind<HotlineOptions>(builder, "Hotline");
        Bind<TwilioOptions>(builder, "Twilio");
        Bind<IvrOptions>(builder, "Ivr");
        Bind<NeedOptions>(builder, "Needs");
        Bind<JobOptions>(builder, "Jobs");
        builder.Services.AddSingleton<IValidateOptions<IvrOptions>, IvrOptionsValidation>();
        builder.Services.AddSingleton<IValidateOptions<NeedOptions>, NeedOptionsValidation>();
        return builder;
    }

    static void Bind<T>(WebApplicationBuilder builder, string section) where T : class =>
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    public static WebApplicationBuilder AddStaffLogin(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("hotline");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<NpgsqlDataSource>((keys, db) => keys.XmlRepository = new DatabaseKeyRepository(db));
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = "hotline.session";
            cookie.Cookie.HttpOnly = true;
            // Strict keeps the session cookie off every cross-site request, the first line against CSRF.
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(30);
            cookie.SlidingExpiration = true;
            // The API answers 401/403; a page sends the browser to the login form.
            cookie.LoginPath = "/login";
            cookie.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    return Refuse(context.Response, StatusCodes.Status401Unauthorized);
                }

                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToAccessDenied = context => Refuse(context.Response, StatusCodes.Status403Forbidden);
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Staff, policy => policy.RequireRole(Roles.Operator, Roles.Supervisor))
            .AddPolicy(Policies.Supervisor, policy => policy.RequireRole(Roles.Supervisor));
        return builder;
    }

    static Task Refuse(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    public static WebApplicationBuilder AddFeatures(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Hostile or broken input meets limits before it meets our code: 413 past them, 400 for a malformed form.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 10 * 1024 * 1024);
        services.Configure<FormOptions>(form =>
        {
            form.ValueCountLimit = 256;
            form.KeyLengthLimit = 256;
            form.ValueLengthLimit = WebhookLimits.MaxBodyBytes;
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per client address, on top of the per-account lock after five wrong passwords.
            limiter.AddPolicy(LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<HotlineOptions>>().Value.LoginsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                }));
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<ErrorHandling>();
        services.AddHttpContextAccessor();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Phones>();
        services.AddSingleton<CallStore>();
        services.AddSingleton<CallLogStore>();
        services.AddSingleton<VoiceWebhook>();
        services.AddSingleton<VoiceResponses>();
        services.AddSingleton<CallRouting>();
        services.AddSingleton<NeedPolicy>();
        services.AddSingleton<NeedStore>();
        services.AddSingleton<VoicemailStore>();
        services.AddSingleton<MessageStore>();
        services.AddSingleton<StaffStore>();
        services.AddSingleton<DemoStaffSeeder>();
        services.AddSingleton<ReferenceSms>();
        services.AddSingleton<Outbox>();
        services.AddSingleton<OutboxDelivery>();
        services.AddTransient<ApiBaseAddressHandler>();
        services.AddHttpClient(TwilioGateway.HttpClientName).AddHttpMessageHandler<ApiBaseAddressHandler>();
        services.AddSingleton<TwilioGateway>();
        services.AddSingleton<SmsPump>();
        services.AddHostedService(sp => sp.GetRequiredService<SmsPump>());
        services.AddSingleton<OutboxSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxSweeper>());
        services.AddHostedService<QueueProvisioner>();
        services.AddSingleton<TwilioSignatureFilter>();
        services.AddSingleton<WebhookJournal>();
        services.AddSingleton<DatabaseHealth>();
        services.AddSingleton<DegradedAnswers>();
        services.AddSingleton<DegradedModeFilter>();
        services.AddSingleton<JournalReplayer>();
        services.AddHostedService(sp => sp.GetRequiredService<JournalReplayer>());
        services.AddSingleton<WebhookReceiptFilter>();
        return builder;
    }

    // Migrations run before the app takes traffic, so no webhook ever meets an old schema.
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HotlineOptions>>().Value;
        if (options.MigrateOnStartup)
        {
            var applied = Migrator.Run(app.Configuration.GetConnectionString("Hotline")!);
            if (applied.Count > 0)
            {
                app.Logger.LogInformation("Applied migrations: {Scripts}", string.Join(", ", applied));
            }
        }

        await app.Services.GetRequiredService<DemoStaffSeeder>().SeedAsync(app.Lifetime.ApplicationStopping);
    }
}
