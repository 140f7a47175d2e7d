using Hotline.Sandbox.Phones;

namespace Hotline.Sandbox.Calls;

internal static class Ringing
{
    // Rings a simulated phone. Returns Twilio's final status for a call that never connected, or null once answered.
    public static async Task<string?> RingAsync(SandboxClock clock, PhoneBehaviour behaviour, double timeoutSeconds, CancellationToken interrupt)
    {
        switch (behaviour.Answer)
        {
            case AnswerMode.Failed:
                return "failed";
            case AnswerMode.Busy:
                return await clock.TryDelayAsync(TimeSpan.FromSeconds(1), interrupt) ? "busy" : "canceled";
        }

        var answers = behaviour.Answer != AnswerMode.NoAnswer && behaviour.AnswerAfterSeconds <= timeoutSeconds;
        var ring = answers ? behaviour.AnswerAfterSeconds : timeoutSeconds;
        if (!await clock.TryDelayAsync(TimeSpan.FromSeconds(ring), interrupt))
        {
            return "canceled";
        }

        return answers ? null : "no-answer";
    }
}
