using System.Xml.Linq;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Phones;

namespace Hotline.Sandbox.Twiml;

internal sealed partial class TwimlInterpreter
{
    private sealed record DialResult(string Status, string? CallSid, int Duration, List<KeyValuePair<string, string>> Extra);

    private async Task<Flow> DialAsync(CallSession call, XElement verb, Uri documentUrl, CancellationToken ct)
    {
        call.Reached("dial");
        if (call.Token.IsCancellationRequested)
        {
            return Flow.Interrupted;
        }

        var action = Url(verb, "action", documentUrl);
        var method = Method(verb);
        var timeout = AttrInt(verb, "timeout") ?? 30;
        var nouns = verb.Elements().ToList();
        var queue = nouns.FirstOrDefault(n => n.Name.LocalName == "Queue");
        var number = nouns.FirstOrDefault(n => n.Name.LocalName == "Number");
        var bareNumber = nouns.Count == 0 && verb.Value.Trim().Length > 0 ? verb.Value.Trim() : null;

        DialResult result;
        if (queue is not null)
        {
            result = await DialQueueAsync(call, queue, timeout, documentUrl);
        }
        else if (number is not null || bareNumber is not null)
        {
            result = await DialNumberAsync(call, verb, number, number?.Value.Trim() ?? bareNumber!, timeout, documentUrl, ct);
        }
        else
        {
            call.Step("note", $"<Dial> to {string.Join(", ", nouns.Select(n => n.Name.LocalName))} is not simulated");
            result = new DialResult("failed", null, 0, []);
        }

        call.Step("dial", $"ended: {result.Status}, {result.Duration} s");
        var form = new List<KeyValuePair<string, string>> { P("DialCallStatus", result.Status), P("DialCallDuration", result.Duration) };
        if (result.CallSid is not null)
        {
            form.Add(P("DialCallSid", result.CallSid));
        }

        form.AddRange(result.Extra);
        if (call.IsOver)
        {
            if (action is not null)
            {
                await PostAfterHangupAsync(call, new Flow.Fetch(action, method, form), ct);
            }

            return Flow.Interrupted;
        }

        return Finish(action, method, form);
    }

    private async Task<DialResult> DialQueueAsync(CallSession call, XElement noun, int timeout, Uri documentUrl)
    {
        var name = noun.Value.Trim();
        var whisper = Url(noun, "url", documentUrl);
        var queue = sandbox.Queues.Get(call.AccountSid, name);
        call.Step("dial", $"queue {name} ({queue.Size} waiting)");

        (Queues.QueueMember Member, Bridge Bridge)? taken;
        try
        {
            taken = await queue.TakeFrontAsync(m => new Bridge(Clock, call, m.Call, whisper), TimeSpan.FromSeconds(timeout), call.Token);
        }
        catch (OperationCanceledException) when (call.Token.IsCancellationRequested)
        {
            return new DialResult("canceled", null, 0, [P("QueueSid", queue.Sid)]);
        }

        if (taken is not { } t)
        {
            return new DialResult("no-answer", null, 0, [P("QueueSid", queue.Sid)]);
        }

        var extra = new List<KeyValuePair<string, string>>
        {
            P("QueueSid", queue.Sid),
            P("QueueTime", (int)(t.Bridge.StartedAt - t.Member.EnqueuedAt).TotalSeconds),
        };

        bool connected;
        try
        {
            connected = await t.Bridge.Connected.WaitAsync(call.Token);
        }
        catch (OperationCanceledException) when (call.Token.IsCancellationRequested)
        {
            connected = false;
        }

        if (!connected)
        {
            t.Bridge.Abandon();
            return new DialResult(call.IsOver ? "canceled" : "no-answer", t.Member.Call.Sid, 0, extra);
        }

        var talked = await t.Bridge.TalkAsync();
        return new DialResult("completed", t.Member.Call.Sid, (int)Math.Round(talked.TotalSeconds), extra);
    }

    private async Task<DialResult> DialNumberAsync(
        CallSession call, XElement verb, XElement? noun, string number, int timeout, Uri documentUrl, CancellationToken ct)
    {
        var behaviour = sandbox.Phones.BehaviourOf(number);
        var callerId = Attr(verb, "callerId") ?? call.From;
        using var leg = new CallSession(sandbox, "outbound-dial", callerId, number, behaviour.ToScript(number), ct)
        {
            ParentCallSid = call.Sid,
            OnStep = (_, step) => call.Step("leg", $"{number}: {step.Kind} {step.Text}"),
        };
        call.Step("dial", $"number {number} as {leg.Sid}");

        var status = await Ringing.RingAsync(Clock, behaviour, timeout, call.Token);
        var talked = 0;
        if (status is null)
        {
            leg.MarkAnswered();
            var whisper = noun is null ? null : Url(noun, "url", documentUrl);
            var ready = whisper is null || await RunDocumentsAsync(leg, new Flow.Fetch(whisper, "POST", []), null, ct) is Flow.NextVerb;
            if (ready && !leg.IsOver && !call.IsOver)
            {
                talked = (int)Math.Round((await new Bridge(Clock, call, leg).TalkAsync()).TotalSeconds);
            }

            leg.End("app", "dial ended");
            status = "completed";
        }

        var transcript = leg.ToTranscript(status);
        sandbox.Phones.AddCall(number, new PhoneCall(
            leg.Sid, "rang", callerId, DateTimeOffset.UtcNow, status, transcript.DurationSeconds, transcript.Said, string.Concat(transcript.DigitsPressed)));
        return new DialResult(status, leg.Sid, talked, []);
    }
}
