using Dapper;
using Hotline.Callbacks;
using Hotline.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotline.Tests.Callbacks;

// Callback settings are read through IOptionsMonitor, so a test can change them on the running app; every callback
// test class puts them back to the app's defaults afterwards, so no other test meets an automatic mode.
public static class CallbackSettings
{
    public static void Use(HotlineFixture fixture, CallbackMode mode = CallbackMode.OperatorFirst, int[]? retrySeconds = null,
        int minConnectedSeconds = 20)
    {
        var config = fixture.Factory.Services.GetRequiredService<IConfiguration>();
        config["Callbacks:Mode"] = mode.ToString();
        var retries = retrySeconds ?? [1, 2, 3];
        for (var i = 0; i < 3; i++)
        {
            // Unused places repeat the last wait, so the number of attempts is the same whatever the test asks.
            config[$"Callbacks:RetrySeconds:{i}"] = retries[Math.Min(i, retries.Length - 1)].ToString();
        }

        config["Callbacks:MinConnectedSeconds"] = minConnectedSeconds.ToString();
        fixture.Factory.Services.GetRequiredService<IOptionsMonitorCache<CallbackOptions>>().Clear();
    }

    public static CallbackOptions Current(HotlineFixture fixture) =>
        fixture.Factory.Services.GetRequiredService<IOptionsMonitor<CallbackOptions>>().CurrentValue;
}

// Base for callback tests: default settings before and after each test.
public abstract class CallbackTest(HotlineFixture fixture) : HotlineTest(fixture), IAsyncLifetime
{
    protected T Service<T>() where T : notnull => Fixture.Factory.Services.GetRequiredService<T>();

    public new async Task InitializeAsync()
    {
        CallbackSettings.Use(Fixture);
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        CallbackSettings.Use(Fixture);
        // A ladder left climbing for an unreachable callback would go on ringing supervisors into the next test.
        await ExecuteAsync("UPDATE needs SET status = 'cancelled', escalation_due_at = NULL WHERE status IN ('open', 'acknowledged')");
    }

    protected Task<Callback?> CallbackForAsync(string phone) =>
        RowAsync<Callback>("SELECT * FROM callbacks WHERE phone = @phone ORDER BY id DESC LIMIT 1", new { phone });

    // An inbound caller who picked a need from the menu (3: food, normal; 1: urgent medical).
    protected async Task<Caller> CallerWithNeedAsync(string? phone = null, string category = "3")
    {
        var caller = new Caller(Twilio, phone ?? Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", category);
        return caller;
    }

    protected static Task OnDutyAsync(HotlineFixture fixture, string username, string phone) =>
        StaffWithPhoneAsync(fixture, username, phone, onDuty: true);

    // A supervisor on the escalation ladder, alerts in English.
    protected static async Task SupervisorAsync(HotlineFixture fixture, string username, string phone, int level, bool onDuty)
    {
        await StaffWithPhoneAsync(fixture, username, phone, onDuty, role: "supervisor");
        await using var conn = await fixture.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE staff SET escalation_level = @level, language = 'en-US' WHERE username = @username", new { level, username });
    }

    protected static async Task StaffWithPhoneAsync(HotlineFixture fixture, string username, string phone, bool onDuty, string role = "operator")
    {
        await StaffLogin.AddStaffAsync(fixture, username, role, onDuty);
        await using var conn = await fixture.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE staff SET phone = @phone WHERE username = @username", new { phone, username });
    }

    // Starts an attempt the way the job or the console does, without handing the call to Twilio: the test then plays
    // Twilio's side of it with signed webhooks (OutboundLeg).
    protected async Task<OutboundLeg> StartAttemptAsync(long callbackId, long? operatorId = null, string? operatorPhone = null)
    {
        var dialer = Service<CallbackDialer>();
        await using var conn = await Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var now = DateTime.UtcNow;
        var started = operatorId is { } staffId
            ? await dialer.StartForOperatorAsync(conn, tx, callbackId, staffId, operatorPhone!, now)
            : await dialer.StartAutomaticAsync(conn, tx, callbackId, now);
        Assert.NotNull(started);
        var leg = new OutboundLeg(Twilio, started.CallId, operatorPhone ?? started.Callback.Phone,
            await conn.ExecuteScalarAsync<string>("SELECT twiml_path FROM calls WHERE id = @CallId", started, tx) ?? "");
        // What CallDeliveryJob does once Twilio accepts the call.
        await conn.ExecuteAsync("UPDATE calls SET status = 'queued', call_sid = @CallSid WHERE id = @Id", new { leg.CallSid, Id = started.CallId }, tx);
        await tx.CommitAsync();
        return leg;
    }
}
