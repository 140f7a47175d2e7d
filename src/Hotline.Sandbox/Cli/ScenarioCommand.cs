using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Messages;

namespace Hotline.Sandbox.Cli;

// Runs every caller and SMS of a scenario concurrently at their (simulated) offsets and prints a summary.
internal static class ScenarioCommand
{
    public static async Task<int> RunAsync(Args args, string file, CancellationToken ct)
    {
        var scenario = JsonSerializer.Deserialize<Scenario>(await File.ReadAllTextAsync(file, ct), CliJson.Options)
            ?? throw new ArgumentException($"{file} holds no scenario.");
        var options = SandboxConfig.Load(args);
        var speed = args.Number("speed") ?? scenario.Speed;
        if (speed is not null)
        {
            options.Speed = speed.Value;
        }

        var verbose = args.Has("verbose");
        var remote = args.Get("sandbox");
        using var sandbox = new TwilioSandbox(options);
        using var http = remote is null ? null : SimulateCommand.RemoteClient(remote);
        await ApplyPhonesAsync(scenario, sandbox, http, ct);
        if (http is not null && speed is not null)
        {
            // The sandbox plays the calls, so its clock must run at the scenario's speed too.
            using var speedSet = await http.PostAsJsonAsync("sandbox/speed", new Phones.SpeedRequest(options.Speed), CliJson.Options, ct);
            speedSet.EnsureSuccessStatusCode();
        }

        var calls = scenario.Calls().ToList();
        Console.WriteLine($"Scenario {Path.GetFileName(file)}: {calls.Count} calls, {scenario.Sms.Count} SMS, at {options.Speed}x against " +
                          (remote is null ? options.AppBaseUrl : $"the sandbox at {remote}"));
        var clock = sandbox.Clock;
        var started = Stopwatch.StartNew();

        var callTasks = calls.Select(async c =>
        {
            await clock.DelayAsync(c.At, ct);
            var transcript = http is null
                ? await sandbox.Residents.CallAsync(c.Script, ct, verbose ? (s, step) => TranscriptPrinter.Step(s.From, step) : null)
                : await RemoteCallAsync(http, c.Script, ct);
            Console.WriteLine($"  call {transcript.From}: {transcript.Status}, {transcript.DurationSeconds} s, ended by {transcript.EndedBy}, " +
                              $"pressed [{string.Join(",", transcript.DigitsPressed)}], {transcript.Requests.Count(r => !r.Succeeded)} failed requests");
            return transcript;
        }).ToList();

        var smsTasks = scenario.Sms.Select(async s =>
        {
            await clock.DelayAsync(Durations.Parse(s.At ?? "0"), ct);
            var sms = http is null
                ? await sandbox.Residents.SendSmsAsync(s.From, s.Body, ct, s.To)
                : (await (await http.PostAsJsonAsync("sandbox/inbound/sms", new InboundSmsRequest(s.From, s.Body, s.To), CliJson.Options, ct))
                    .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<SmsTranscript>(CliJson.Options, ct))!;
            Console.WriteLine($"  sms {sms.From}: {sms.Replies.Count} replies, {sms.Requests.Count(r => !r.Succeeded)} failed requests");
            return sms;
        }).ToList();

        var transcripts = await Task.WhenAll(callTasks);
        var messages = await Task.WhenAll(smsTasks);
        ScenarioSummary.Print(transcripts, messages, started.Elapsed, clock.Speed);
        return transcripts.All(t => t.AllRequestsSucceeded) && messages.All(m => m.Requests.All(r => r.Succeeded)) ? 0 : 1;
    }

    private static async Task ApplyPhonesAsync(Scenario scenario, TwilioSandbox sandbox, HttpClient? http, CancellationToken ct)
    {
        foreach (var (number, behaviour) in scenario.Phones)
        {
            if (http is null)
            {
                sandbox.Phones.SetBehaviour(number, behaviour);
            }
            else
            {
                using var response = await http.PostAsJsonAsync($"sandbox/phones/{Uri.EscapeDataString(number)}/behaviour", behaviour, CliJson.Options, ct);
                response.EnsureSuccessStatusCode();
            }
        }
    }

    private static async Task<CallTranscript> RemoteCallAsync(HttpClient http, CallerScript script, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("sandbox/inbound/call", script, CliJson.Options, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CallTranscript>(CliJson.Options, ct))!;
    }
}
