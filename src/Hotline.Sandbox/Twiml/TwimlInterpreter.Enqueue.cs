using System.Xml.Linq;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Queues;

namespace Hotline.Sandbox.Twiml;

internal sealed partial class TwimlInterpreter
{
    // The caller waits, the wait URL is requested again each time its document ends, until the caller leaves
    // (<Leave>), hangs up, or another call's <Dial><Queue> takes them. Then the action gets QueueResult.
    private async Task<Flow> EnqueueAsync(CallSession call, XElement verb, Uri documentUrl, CancellationToken ct)
    {
        var name = verb.Value.Trim();
        var action = Url(verb, "action", documentUrl);
        var method = Method(verb);
        var queue = sandbox.Queues.Get(call.AccountSid, name);

        // The size is the queue's own (100 when <Enqueue> created it, else what the REST API set), as at Twilio.
        var member = queue.TryAdd(call);
        if (member is null)
        {
            call.Step("queue", $"{name} is full ({queue.MaxSize})");
            return Finish(action, method, [P("QueueResult", "queue-full"), P("QueueSid", queue.Sid), P("QueueTime", 0)]);
        }

        call.Step("queue", $"entered {name} at position {queue.PositionOf(member)}");
        var wait = new QueueWait(member, Clock);
        var flow = await WaitInQueueAsync(call, verb, documentUrl, wait, ct);

        // Whoever wins the race decides: a caller taken by a Dial is bridged even if their wait document just ended.
        var stillQueued = queue.TryRemove(member);
        var queueTime = (int)(Clock.Now - member.EnqueuedAt).TotalSeconds;
        if (!stillQueued && member.IsTaken)
        {
            return await BridgedFromQueueAsync(call, member, action, method, ct);
        }

        var result = flow switch
        {
            Flow.LeaveVerb => "leave",
            Flow.InterruptedFlow or Flow.HangupVerb => "hangup",
            Flow.Fetch => "redirected",
            _ => "error",
        };
        call.Step("queue", $"left {name}: {result} after {queueTime} s");
        var form = new List<KeyValuePair<string, string>> { P("QueueResult", result), P("QueueSid", queue.Sid), P("QueueTime", queueTime) };

        if (flow is Flow.HangupVerb)
        {
            return Flow.Hangup;
        }

        if (call.CallerHungUp || call.IsOver)
        {
            if (action is not null)
            {
                await PostAfterHangupAsync(call, new Flow.Fetch(action, method, form), ct);
            }

            return Flow.Interrupted;
        }

        return flow is Flow.Failed ? flow : Finish(action, method, form);
    }

    private async Task<Flow> WaitInQueueAsync(CallSession call, XElement verb, Uri documentUrl, QueueWait wait, CancellationToken ct)
    {
        var waitUrl = Url(verb, "waitUrl", documentUrl);
        if (waitUrl is null)
        {
            // Twilio's default hold music, until something happens.
            call.Step("play", "hold music");
            await Clock.TryDelayAsync(Timeout.InfiniteTimeSpan, wait.Token);
            return Flow.Interrupted;
        }

        var method = Method(verb, "waitUrlMethod");
        for (var round = 1; ; round++)
        {
            var started = Clock.Now;
            var flow = await RunDocumentsAsync(call, new Flow.Fetch(waitUrl, method, []), wait, ct);
            if (round == 1)
            {
                call.Reached("queue");
            }

            if (flow is not Flow.NextVerb || wait.Token.IsCancellationRequested)
            {
                return wait.Token.IsCancellationRequested && flow is Flow.NextVerb ? Flow.Interrupted : flow;
            }

            // A wait document with nothing that takes time would otherwise be requested in a tight loop.
            var spent = Clock.Now - started;
            if (spent < TimeSpan.FromSeconds(1) && !await Clock.TryDelayAsync(TimeSpan.FromSeconds(1) - spent, wait.Token))
            {
                return Flow.Interrupted;
            }
        }
    }

    private async Task<Flow> BridgedFromQueueAsync(CallSession call, QueueMember member, Uri? action, string method, CancellationToken ct)
    {
        var bridge = await member.Offer;
        var queueTime = (int)(bridge.StartedAt - member.EnqueuedAt).TotalSeconds;
        call.Step("queue", $"taken from {member.Queue.Name} by {bridge.A.Sid} after {queueTime} s");

        if (bridge.WhisperUrl is { } whisper && !call.IsOver)
        {
            var whispered = await RunDocumentsAsync(call, new Flow.Fetch(whisper, "POST", []), null, ct);
            bridge.MarkConnected(whispered is Flow.NextVerb && !call.IsOver);
        }
        else
        {
            bridge.MarkConnected(!call.IsOver);
        }

        await bridge.Ended.WaitAsync(ct);
        var form = new List<KeyValuePair<string, string>>
        {
            P("QueueResult", "bridged"),
            P("QueueSid", member.Queue.Sid),
            P("QueueTime", queueTime),
        };

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

    // With an action the call goes on with its document; without one Twilio continues after the verb.
    private static Flow Finish(Uri? action, string method, List<KeyValuePair<string, string>> form) =>
        action is null ? Flow.Next : new Flow.Fetch(action, method, form);
}
