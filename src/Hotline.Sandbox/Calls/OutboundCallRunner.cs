using Hotline.Sandbox.Phones;
using Hotline.Sandbox.Twiml;

namespace Hotline.Sandbox.Calls;

// Plays a call created through the REST API: rings the called phone according to its behaviour, and once answered
// fetches the call's Url and runs the TwiML with the phone's script playing the person who picked up.
internal sealed class OutboundCallRunner(TwilioSandbox sandbox)
{
    public TrackedCall Start(OutboundCallRequest request, CancellationToken shutdown)
    {
        var behaviour = sandbox.Phones.BehaviourOf(request.To);
        var call = new CallSession(sandbox, "outbound-api", request.From, request.To, behaviour.ToScript(request.To), shutdown);
        return sandbox.Calls.Start(call, "queued", tracked => Task.Run(() => RunAsync(request, call, behaviour, tracked, shutdown), CancellationToken.None));
    }

    private async Task<CallTranscript> RunAsync(
        OutboundCallRequest request, CallSession call, PhoneBehaviour behaviour, TrackedCall tracked, CancellationToken ct)
    {
        using var _ = call;
        var events = request.StatusCallbackEvents.Count > 0 ? request.StatusCallbackEvents : ["completed"];
        var status = new CallStatusReporter(sandbox, call, request.StatusCallback, request.StatusCallbackMethod, events);

        // Let the 201 reach the app before the first callback does, as it would from Twilio.
        await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        tracked.Status = "initiated";
        await status.SendAsync("initiated", "initiated", ct);
        if (behaviour.Answer != AnswerMode.Failed)
        {
            tracked.Status = "ringing";
            await status.SendAsync("ringing", "ringing", ct);
        }

        var outcome = await Ringing.RingAsync(sandbox.Clock, behaviour, request.TimeoutSeconds, ct);
        if (outcome is null)
        {
            if (request.MachineDetection is { } detection)
            {
                call.AnsweredBy = behaviour.Answer != AnswerMode.Machine ? "human"
                    : detection.Equals("DetectMessageEnd", StringComparison.OrdinalIgnoreCase) ? "machine_end_beep" : "machine_start";
            }

            call.MarkAnswered();
            tracked.Status = "in-progress";
            await status.SendAsync("answered", "in-progress", ct);
            await sandbox.Interpreter.RunCallAsync(call, Start(request), ct);
            outcome = "completed";
        }
        else
        {
            call.End("network", outcome);
        }

        var transcript = call.ToTranscript(outcome);
        sandbox.Phones.AddCall(request.To, new PhoneCall(
            call.Sid, "rang", request.From, tracked.CreatedAt, outcome, transcript.DurationSeconds, transcript.Said,
            string.Concat(transcript.DigitsPressed)));
        tracked.Status = outcome;
        await status.SendAsync("completed", outcome, ct);
        await call.WhenBackgroundDoneAsync();
        return call.ToTranscript(outcome);
    }

    private Flow Start(OutboundCallRequest request)
    {
        if (request.Twiml is null)
        {
            return new Flow.Fetch(request.Url!, request.Method, []);
        }

        return TwimlInterpreter.Parse(request.Twiml) is { } response
            ? new Flow.Inline(response, sandbox.App.AppBase)
            : new Flow.Failed("the Twiml parameter is not a TwiML <Response>");
    }
}
