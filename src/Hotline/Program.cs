using Hangfire;
using Hotline.Callbacks;
using Hotline.Calls;
using Hotline.Escalations;
using Hotline.Infrastructure;
using Hotline.Messaging;
using Hotline.Needs;
using Hotline.OperatorConsole;
using Hotline.Reconciliation;
using Hotline.Reports;
using Hotline.Residents;
using Hotline.Resilience;
using Hotline.Staff;
using Hotline.Telephony;
using Hotline.Voicemails;
using Hotline.Wellness;

var builder = WebApplication.CreateBuilder(args);

if (args.FirstOrDefault() == "migrate")
{
    foreach (var script in Migrator.Run(builder.Configuration.GetConnectionString("Hotline") ?? throw new InvalidOperationException("ConnectionStrings:Hotline is not set.")))
    {
        Console.WriteLine($"applied {script}");
    }

    return;
}

if (args.FirstOrDefault() == ImportResidentsCommand.Name)
{
    Environment.ExitCode = await ImportResidentsCommand.RunAsync(builder.Configuration, args[1..]);
    return;
}

builder.AddDatabase();
builder.AddOptions();
builder.AddStaffLogin();
builder.AddJobs();
builder.AddFeatures();
builder.AddCallbacks();
builder.AddConsole();
builder.AddResidents();
builder.AddWellness();
builder.AddReports();
builder.AddEscalations();
builder.AddReconciliation();

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseConsole();
app.UseWebhookLimits();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

app.MapHealth();
// Filters run in this order: signature, then the database time budget (journal and answer without the database
// when it is down), then the idempotency receipts, which already need the database.
app.MapGroup("/twilio")
    .AddEndpointFilter<TwilioSignatureFilter>()
    .DisableAntiforgery()
    .MapFallback();
app.MapGroup("/twilio")
    .AddEndpointFilter<TwilioSignatureFilter>()
    .AddEndpointFilter<DegradedModeFilter>()
    .AddEndpointFilter<WebhookReceiptFilter>()
    .DisableAntiforgery()
    .MapVoiceWebhooks()
    .MapVoicemailWebhooks()
    .MapSmsWebhooks()
    .MapCallbackWebhooks()
    .MapWellnessWebhooks()
    .MapEscalationWebhooks()
    .MapBenchmarkWebhooks()
    .MapConsoleWebhooks();
app.MapGroup("/api")
    .RequireAuthorization(Policies.Staff)
    .AddEndpointFilter<CsrfFilter>()
    .MapAuth()
    .MapCallLog()
    .MapNeeds()
    .MapCallbacks()
    .MapEscalations()
    .MapRecordingAudio()
    .MapResidents()
    .MapWellness()
    .MapReports()
    .MapConsole();
app.MapConsolePages();
app.MapHangfireDashboardWithAuthorizationPolicy(Policies.Supervisor, "/hangfire");

app.Run();

public partial class Program;
