using System.Xml.Linq;
using Hotline.Sandbox.Calls;

namespace Hotline.Sandbox.Twiml;

internal sealed partial class TwimlInterpreter
{
    // Nested prompts play in full, then the caller presses the next keys from their script (in a queue: PressInQueue).
    // No input: fall through to the next verb, or post Digits="" when actionOnEmptyResult is true.
    private async Task<Flow> GatherAsync(CallSession call, XElement verb, Uri documentUrl, QueueWait? queue, CancellationToken ct)
    {
        var interrupt = queue?.Token ?? call.Token;
        call.Reached("gather");
        if (interrupt.IsCancellationRequested)
        {
            return Flow.Interrupted;
        }

        foreach (var prompt in verb.Elements())
        {
            var flow = prompt.Name.LocalName switch
            {
                "Say" => await SayAsync(call, prompt, interrupt),
                "Play" => await PlayAsync(call, prompt, interrupt),
                "Pause" => await PauseAsync(call, prompt, interrupt),
                var name => Unsupported(call, $"Gather><{name}", false),
            };
            if (flow is not Flow.NextVerb)
            {
                return flow;
            }
        }

        var input = Attr(verb, "input") ?? "dtmf";
        var timeout = AttrInt(verb, "timeout") ?? 5;
        var numDigits = AttrInt(verb, "numDigits");
        var finishOnKey = Attr(verb, "finishOnKey") ?? "#";
        var target = Url(verb, "action", documentUrl) ?? documentUrl;

        var press = input.Contains("dtmf", StringComparison.OrdinalIgnoreCase) ? call.NextPress(queue is not null) : null;
        var digits = "";
        if (press is not null)
        {
            if (!await Clock.TryDelayAsync(press.Delay, interrupt))
            {
                return Flow.Interrupted;
            }

            digits = Keys(press.Digits, numDigits, finishOnKey);
        }

        if (digits.Length == 0)
        {
            if (!await Clock.TryDelayAsync(TimeSpan.FromSeconds(timeout), interrupt))
            {
                return Flow.Interrupted;
            }

            call.Step("gather", $"no input after {timeout} s");
            if (!AttrBool(verb, "actionOnEmptyResult", false))
            {
                return Flow.Next;
            }
        }
        else
        {
            call.Step("press", digits);
        }

        return new Flow.Fetch(target, Method(verb), [P("Digits", digits)]);
    }

    // Twilio stops collecting at the finish key (not sent) or once numDigits keys are in.
    private static string Keys(string pressed, int? numDigits, string finishOnKey)
    {
        var keys = pressed;
        if (finishOnKey.Length > 0 && keys.IndexOf(finishOnKey[0]) is var stop and >= 0)
        {
            keys = keys[..stop];
        }

        return numDigits is > 0 && keys.Length > numDigits ? keys[..numDigits.Value] : keys;
    }
}
