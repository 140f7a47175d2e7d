using Hangfire;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Messaging;
using Hotline.Needs;
using Hotline.OperatorConsole;
using Hotline.Staff;
using Hotline.Telephony;
using Hotline.Voicemails;

var builder = WebApplication.CreateBuilder(args);

if (args.FirstOrDefault() == "migrate")
{
    foreach (var script in Migrator.Run(builder.Configuration.GetConnectionString("Hotline") ?? throw new InvalidOperationException("ConnectionStrings:Hotline is not set.")))
    {
        Console.WriteLine($"applied {script}");
    }

    return;
}

builder.AddDatabase();
builder.AddOptions();
builder.AddStaffLogin();
builder.AddJobs();
builder.AddFeatures();
builder.AddConsole();

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseConsole();
app.UseAuthentication();
app.UseAuthorization();

app.MapHealth();
app.MapGroup("/twilio")
    .AddEndpointFilter<TwilioSignatureFilter>()
    .AddEndpointFilter<WebhookReceiptFilter>()
    .DisableAntiforgery()
    .MapVoiceWebhooks()
    .MapVoicemailWebhooks()
    .MapSmsWebhooks()
    .MapBenchmarkWebhooks()
    .MapConsoleWebhooks();
app.MapGroup("/api")
    .RequireAuthorization(Policies.Staff)
    .AddEndpointFilter<CsrfFilter>()
    .MapAuth()
    .MapCallLog()
    .MapNeeds()
    .MapRecordingAudio()
    .MapConsole();
app.MapConsolePages();
app.MapHangfireDashboardWithAuthorizationPolicy(Policies.Supervisor, "/hangfire");

app.Run();

public partial class Program;
