using Hangfire;
using Hotline.Calls;
using Hotline.Escalations;
using Hotline.Infrastructure;
using Hotline.Messaging;
using Hotline.Needs;
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
builder.AddEscalations();

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseExceptionHandler();
app.UseStatusCodePages();
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
    .MapEscalationWebhooks()
    .MapBenchmarkWebhooks();
app.MapGroup("/api")
    .RequireAuthorization(Policies.Staff)
    .MapAuth()
    .MapCallLog()
    .MapNeeds()
    .MapEscalations()
    .MapRecordingAudio();
app.MapHangfireDashboardWithAuthorizationPolicy(Policies.Supervisor, "/hangfire");

app.Run();

public partial class Program;
