using System.Net.Http.Json;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Messages;

namespace Hotline.Sandbox.Cli;

// One resident call or SMS, played here against --app, or through a running sandbox with --sandbox.
internal static class SimulateCommand
{
    public static async Task<int> CallAsync(Args args, CancellationToken ct)
    {
        var script = ScriptFrom(args);
        CallTranscript call;
        if (args.Get("sandbox") is { } sandboxUrl)
        {
            Console.WriteLine($"Placing the call through the sandbox at {sandboxUrl} ...");
            using var http = RemoteClient(sandboxUrl);
            using var response = await http.PostAsJsonAsync("sandbox/inbound/call", script, CliJson.Options, ct);
            response.EnsureSuccessStatusCode();
            call = (await response.Content.ReadFromJsonAsync<CallTranscript>(CliJson.Options, ct))!;
            foreach (var step in call.Steps)
            {
                TranscriptPrinter.Step(call.From, step);
            }
        }
        else
        {
            using var sandbox = new TwilioSandbox(SandboxConfig.Load(args));
            Console.WriteLine($"Calling {sandbox.Options.AppBaseUrl}{sandbox.Options.VoiceUrl} from {script.From} at {sandbox.Options.Speed}x ...");
            call = await sandbox.Residents.CallAsync(script, ct, (c, step) => TranscriptPrinter.Step(c.From, step));
        }

        TranscriptPrinter.Summary(call);
        return call.AllRequestsSucceeded ? 0 : 1;
    }

    public static async Task<int> SmsAsync(Args args, CancellationToken ct)
    {
        var from = args.Get("from") ?? throw new ArgumentException("simulate sms needs --from.");
        var body = args.Get("body") ?? throw new ArgumentException("simulate sms needs --body.");
        SmsTranscript sms;
        if (args.Get("sandbox") is { } sandboxUrl)
        {
            using var http = RemoteClient(sandboxUrl);
            using var response = await http.PostAsJsonAsync("sandbox/inbound/sms", new InboundSmsRequest(from, body, args.Get("to")), CliJson.Options, ct);
            response.EnsureSuccessStatusCode();
            sms = (await response.Content.ReadFromJsonAsync<SmsTranscript>(CliJson.Options, ct))!;
        }
        else
        {
            using var sandbox = new TwilioSandbox(SandboxConfig.Load(args));
            sms = await sandbox.Residents.SendSmsAsync(from, body, ct, args.Get("to"));
        }

        TranscriptPrinter.Summary(sms);
        return sms.Requests.All(r => r.Succeeded) ? 0 : 1;
    }

    internal static HttpClient RemoteClient(string sandboxUrl) =>
        new() { BaseAddress = new Uri(sandboxUrl.TrimEnd('/') + "/"), Timeout = Timeout.InfiniteTimeSpan };

    private static CallerScript ScriptFrom(Args args)
    {
        var presses = args.All("press");
        foreach (var press in presses)
        {
            KeyPress.Parse(press);
        }

        return new CallerScript
        {
            From = args.Get("from") ?? throw new ArgumentException("simulate call needs --from."),
            To = args.Get("to"),
            Presses = presses,
            HangupAfterSeconds = args.Seconds("hangup-after"),
            HangupAt = args.Get("hangup-at"),
            PressInQueue = args.Get("press-in-queue"),
            RecordSeconds = args.Seconds("record") ?? 0,
            RecordTranscript = args.Get("transcript"),
            TalkSeconds = args.Seconds("talk") ?? 30,
        };
    }
}
