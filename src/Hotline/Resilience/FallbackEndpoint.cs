using Hotline.Calls;
using Hotline.Telephony;

namespace Hotline.Resilience;

// The number's Voice Fallback URL: Twilio calls it when a TwiML request of the call failed (connection refused, 5xx,
// timeout), on any instance that is still up. It needs no database: the failed webhook (Twilio sends its parameters
// along with ErrorCode and ErrorUrl) is journaled as if it had reached us, then the fallback itself, and the caller
// gets what that webhook would have answered in degraded mode (DegradedAnswers), most often the voicemail.
// Replayed later, both land in the database in order.
public static class FallbackEndpoint
{
    public const string Path = "/twilio/voice/fallback";

    public static RouteGroupBuilder MapFallback(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/fallback", Fallback);
        return twilio;
    }

    static async Task<TwimlResult> Fallback(
        IFormCollection form, HttpContext http, WebhookJournal journal, DegradedAnswers answers, VoiceWebhook hook, CallStore calls,
        TimeProvider clock, CancellationToken ct)
    {
        var fields = new TwilioForm(form);
        var callSid = fields.Required("CallSid");
        if (!http.Items.ContainsKey(VoiceWebhook.ReplayMarker))
        {
            var received = clock.GetUtcNow().UtcDateTime;
            var entry = JournalEntry.From(http, form, received, "fallback");
            var failed = FailedVoiceRequest(fields["ErrorUrl"]);
            if (failed is { } request)
            {
                // Its own idempotency token stays with the fallback entry: the receipt filter would take a second entry
                // under the same token for a repeat and skip it.
                journal.Append(entry with
                {
                    Path = request.Path, Query = request.Query, IdempotencyToken = null, Reason = $"fallback for {request.Path}",
                    Form = entry.Form.Where(f => f.Key is not ("ErrorCode" or "ErrorUrl")).ToDictionary(),
                });
            }

            journal.Append(entry);
            return failed is { } f ? answers.For(f.Path, f.Query, form) : TwimlResult.From(answers.Voicemail());
        }

        return await hook.RunAsync(fields, async step =>
        {
            await step.RecordAsync("fallback", $"Twilio error {fields["ErrorCode"]} on {fields["ErrorUrl"]}", $"fallback:{callSid}:{fields["ErrorUrl"]}");
            step.Later(calls.SetStageCommand(step.Call.Id, CallStage.Voicemail));
            return new Twilio.TwiML.VoiceResponse();
        }, ct);
    }

    // The voice webhook whose request failed, when ErrorUrl names one of ours (it is covered by Twilio's signature).
    static (string Path, string Query)? FailedVoiceRequest(string? errorUrl)
    {
        if (!Uri.TryCreate(errorUrl, UriKind.Absolute, out var url)
            || !url.AbsolutePath.StartsWith("/twilio/voice/", StringComparison.Ordinal) || url.AbsolutePath == Path)
        {
            return null;
        }

        return (url.AbsolutePath, url.Query);
    }
}
