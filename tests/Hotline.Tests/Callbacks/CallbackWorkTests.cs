using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Callbacks;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Callbacks;

// Who works a due callback, and when: the job, operators from the console, or nobody yet.
public sealed class CallbackWorkTests(HotlineFixture fixture) : CallbackTest(fixture)
{
    async Task<Callback> VoicemailCallbackAsync()
    {
        var caller = await CallerWithNeedAsync();
        await caller.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE" + Guid.NewGuid().ToString("N")[..8]));
        return (await CallbackForAsync(caller.From))!;
    }

    CallbackJob Job() => ActivatorUtilities.CreateInstance<CallbackJob>(Fixture.Factory.Services);

    [Fact]
    public async Task The_same_callback_job_run_concurrently_dials_once()
    {
        var callback = await VoicemailCallbackAsync();
        CallbackSettings.Use(Fixture, CallbackMode.Automatic);

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Job().RunAsync(callback.Id, CancellationToken.None))));
        // And once more after the others, as a retried job would.
        await Job().RunAsync(callback.Id, CancellationToken.None);

        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM callback_attempts"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM calls WHERE dedupe_key LIKE 'callback:%'"));
        Assert.Equal(("dialing", 1), await RowAsync<(string, int)>("SELECT status, attempts FROM callbacks"));
        Assert.Equal(callback.Phone, await ScalarAsync<string>("SELECT to_phone FROM calls WHERE purpose = 'callback_automatic'"));
        Assert.Equal("Enable", await ScalarAsync<string>("SELECT machine_detection FROM calls WHERE purpose = 'callback_automatic'"));
        // The sandbox plays the resident's phone: it rang once.
        await Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Phones.CallsOf(callback.Phone).Count), n => n > 0);
        await Fixture.Sandbox.Sandbox.WaitForIdleAsync(new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token);
        Assert.Single(Fixture.Sandbox.Phones.CallsOf(callback.Phone));
    }

    [Fact]
    public async Task The_job_does_not_dial_before_the_callback_is_due()
    {
        var callback = await VoicemailCallbackAsync();
        await ExecuteAsync("UPDATE callbacks SET due_at = now() + interval '1 hour'");
        CallbackSettings.Use(Fixture, CallbackMode.Automatic);

        await Job().RunAsync(callback.Id, CancellationToken.None);

        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM callback_attempts"));
    }

    [Fact]
    public async Task An_automatic_callback_does_not_jump_a_caller_who_called_earlier_and_is_still_waiting()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var earlier = await CallerWithNeedAsync();
        var requester = await CallerWithNeedAsync();
        await requester.Press("/twilio/voice/queue/callback", "1");
        var callback = (await CallbackForAsync(requester.From))!;
        CallbackSettings.Use(Fixture, CallbackMode.Automatic);

        await Job().RunAsync(callback.Id, CancellationToken.None);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM callback_attempts"));

        // The earlier caller is put through; now the callback is first in line and is called.
        await earlier.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "90"));
        await Job().RunAsync(callback.Id, CancellationToken.None);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM callback_attempts"));
    }

    [Fact]
    public async Task Nobody_on_duty_in_operator_first_mode_the_callback_waits_and_is_worked_when_an_operator_comes_on_duty()
    {
        await StaffWithPhoneAsync(Fixture, "op", "+8613900000010", onDuty: false);
        var callback = await VoicemailCallbackAsync();

        await Job().RunAsync(callback.Id, CancellationToken.None);
        await Service<CallbackSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM callback_attempts"));
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var pending = await client.GetFromJsonAsync<JsonElement>("/api/callbacks?status=pending");
        Assert.Equal(callback.Id, pending[0].GetProperty("callback").GetProperty("id").GetInt64());

        // The console's duty button sets on_duty; the operator is then offered the callback and calls back.
        await ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'op'");
        var next = await client.GetFromJsonAsync<JsonElement>("/api/callbacks/next");
        Assert.Equal(callback.Id, next.GetProperty("next").GetProperty("callback").GetProperty("id").GetInt64());
        var dial = await client.PostAsync($"/api/callbacks/{callback.Id}/dial", null);

        Assert.Equal(HttpStatusCode.Accepted, dial.StatusCode);
        var attempt = await RowAsync<(string Mode, string To, string Purpose)>(
            "SELECT a.mode, c.to_phone, c.purpose FROM callback_attempts a JOIN calls c ON c.id = a.call_id");
        Assert.Equal(("operator", "+8613900000010", "callback_operator"), attempt);
        Assert.Equal("dialing", await ScalarAsync<string>("SELECT status FROM callbacks"));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/callbacks/{callback.Id}/dial", null)).StatusCode);

        // The sandbox answers the operator's phone and then the resident's, who talk long enough.
        var done = await Eventually.WaitForAsync(() => CallbackForAsync(callback.Phone), c => c!.Status == "completed", seconds: 30);
        Assert.Equal("completed", done!.Status);
        Assert.Single(Fixture.Sandbox.Phones.CallsOf(callback.Phone), c => c.Role == "rang");
    }

    [Fact]
    public async Task With_automatic_as_the_fallback_the_job_calls_while_nobody_is_on_duty_and_leaves_it_to_operators_otherwise()
    {
        var callback = await VoicemailCallbackAsync();
        CallbackSettings.Use(Fixture, CallbackMode.OperatorFirstElseAutomatic);
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);

        await Job().RunAsync(callback.Id, CancellationToken.None);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM callback_attempts"));

        await ExecuteAsync("UPDATE staff SET on_duty = false");
        await Job().RunAsync(callback.Id, CancellationToken.None);
        Assert.Equal("automatic", await ScalarAsync<string>("SELECT mode FROM callback_attempts"));
    }

    [Fact]
    public async Task The_sweep_hands_due_callbacks_to_the_job_in_working_order_up_to_the_concurrency_limit()
    {
        var normal = await VoicemailCallbackAsync();
        var urgentCaller = await CallerWithNeedAsync(category: "1");
        await urgentCaller.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "REurgent"));
        await ExecuteAsync("UPDATE callbacks SET due_at = now() - interval '1 second'");
        CallbackSettings.Use(Fixture, CallbackMode.Automatic);
        Fixture.Factory.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Callbacks:MaxConcurrentAutomatic"] = "1";
        Fixture.Factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitorCache<CallbackOptions>>().Clear();
        try
        {
            await Service<CallbackSweeper>().SweepAsync(CancellationToken.None);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (await ScalarAsync<long>("SELECT count(*) FROM callback_attempts") == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(urgentCaller.From, await ScalarAsync<string>(
                "SELECT cb.phone FROM callback_attempts a JOIN callbacks cb ON cb.id = a.callback_id"));
            Assert.Equal("pending", await ScalarAsync<string>("SELECT status FROM callbacks WHERE id = @Id", normal));
        }
        finally
        {
            Fixture.Factory.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Callbacks:MaxConcurrentAutomatic"] = "3";
            CallbackSettings.Use(Fixture);
        }
    }
}
