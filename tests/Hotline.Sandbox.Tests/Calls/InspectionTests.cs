using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Cli;
using Hotline.Sandbox.Phones;

namespace Hotline.Sandbox.Tests.Calls;

public sealed class InspectionTests : IAsyncLifetime
{
    private SandboxHarness h = null!;

    public async Task InitializeAsync() => h = await SandboxHarness.StartAsync();

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Behaviour_set_over_http_is_used_and_phones_show_what_they_received()
    {
        using var http = new HttpClient { BaseAddress = h.Server.BaseAddress };
        var set = await http.PostAsync("sandbox/phones/+8613800000011/behaviour",
            new StringContent("""{"answer":"no-answer","sms":"failed","smsErrorCode":30006}""", System.Text.Encoding.UTF8, "application/json"));
        set.EnsureSuccessStatusCode();
        Assert.Equal(AnswerMode.NoAnswer, h.Server.Phones.BehaviourOf("+8613800000011").Answer);

        h.App.Map("/twilio/sms/incoming", "<Response><Message>Reference N-7</Message></Response>");
        await h.Server.Residents.SendSmsAsync("+8613800000012", "hello", SandboxHarness.Timeout());

        var phones = await http.GetFromJsonAsync<JsonElement>("sandbox/phones");
        Assert.Contains(phones.EnumerateArray(), p => p.GetProperty("number").GetString() == "+8613800000012");
        var phone = await http.GetFromJsonAsync<JsonElement>("sandbox/phones/+8613800000012");
        Assert.Equal("Reference N-7", phone.GetProperty("messages")[0].GetProperty("body").GetString());
        Assert.Contains("Reference N-7", await http.GetStringAsync("sandbox"));

        (await http.PostAsync("sandbox/reset", null)).EnsureSuccessStatusCode();
        Assert.Empty(h.Server.Phones.All());
    }

    [Fact]
    public async Task Sandbox_started_before_the_app_can_be_connected_to_it_later()
    {
        var options = TwimlApp.Options();
        options.AppBaseUrl = "http://127.0.0.1:1";
        await using var server = await SandboxServer.StartAsync(options);
        server.ConnectApp(h.App.Handler, "http://localhost");
        h.App.Map("/twilio/voice/incoming", "<Response><Say>Connected later</Say></Response>");

        var call = await server.Residents.CallAsync(new CallerScript(), SandboxHarness.Timeout());

        Assert.Equal(["Connected later"], call.Said);
    }

    [Fact]
    public void Scenario_repeats_callers_with_consecutive_numbers_and_offsets()
    {
        var scenario = JsonSerializer.Deserialize<Scenario>("""
            { "callers": [ { "at": "10s", "from": "+8613800000100", "repeat": 3, "every": "5s", "presses": ["1", "2@3s"], "hangupAfter": "1m" } ] }
            """, CliJson.Options)!;

        var calls = scenario.Calls().ToList();

        Assert.Equal(["+8613800000100", "+8613800000101", "+8613800000102"], calls.Select(c => c.Script.From));
        Assert.Equal([10.0, 15.0, 20.0], calls.Select(c => c.At.TotalSeconds));
        Assert.Equal(60, calls[0].Script.HangupAfterSeconds);
        Assert.Equal(TimeSpan.FromSeconds(3), KeyPress.Parse(calls[0].Script.Presses[1]).Delay);
    }
}
