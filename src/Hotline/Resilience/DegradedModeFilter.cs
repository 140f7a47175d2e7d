using System.Net.Sockets;
using Hotline.Calls;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Resilience;

// Twilio waits at most 15 s for a webhook and does not retry, and a database failover takes 30-120 s. So every
// webhook gets a short time budget for its database work; when the database is down or too slow, the webhook is
// journaled to disk and answered without it, and the replayer brings it into the database later.
public sealed class DegradedModeFilter(
    WebhookJournal journal, DegradedAnswers answers, DatabaseHealth health, IOptions<HotlineOptions> options,
    TimeProvider clock, ILogger<DegradedModeFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Items.ContainsKey(VoiceWebhook.ReplayMarker))
        {
            // A replay fails loudly so that its journal entry stays for the next attempt.
            return await next(context);
        }

        var received = clock.GetUtcNow().UtcDateTime;
        var callerGone = http.RequestAborted;
        if (journal.HoldsAnyCall && http.Request.HasFormContentType && journal.HoldsCall((await http.Request.ReadFormAsync(callerGone))["CallSid"].FirstOrDefault()))
        {
            // Earlier webhooks of this call are still in the journal (the database just came back): handled now, this
            // one would overtake them, e.g. a recording callback would create the call row without the caller's number.
            return await JournalAsync(http, received, "earlier webhooks of the call are journaled", callerGone, followsEarlier: true);
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(callerGone);
        budget.CancelAfter(TimeSpan.FromMilliseconds(options.Value.WebhookBudgetMilliseconds));
        http.RequestAborted = budget.Token;
        // The handler's own CancellationToken was bound before this filter ran; hand it the budget instead.
        for (var i = 0; i < context.Arguments.Count; i++)
        {
            if (context.Arguments[i] is CancellationToken)
            {
                context.Arguments[i] = budget.Token;
            }
        }

        var work = next(context).AsTask();
        try
        {
            return await work.WaitAsync(budget.Token);
        }
        catch (Exception e) when (!callerGone.IsCancellationRequested && IsDatabaseTrouble(e))
        {
            // The handler may still finish later; the replay then finds its rows (or its stored answer) and adds nothing.
            _ = work.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            health.Failed();
            return await JournalAsync(http, received, e.GetType().Name, callerGone, e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            // The answer is written after this filter returns, with RequestAborted: a spent budget must not abort it
            // (Kestrel would then answer 499 instead of the voicemail TwiML; found by ops/drills.sh sigkill).
            http.RequestAborted = callerGone;
        }
    }

    // A webhook journaled only because its call's earlier ones are is not a failure of its own, so it is logged at
    // Debug: an overloaded 80,000-call replay logged a million warnings in 17 minutes (250 MB), most of them for such
    // followers (queue polls of journaled calls), while the machine had no CPU to spare. The failure that started a
    // call's journaling stays a warning, with its exception.
    async Task<object?> JournalAsync(HttpContext http, DateTime received, string reason, CancellationToken callerGone, string? problem = null,
        bool followsEarlier = false)
    {
        var form = await http.Request.ReadFormAsync(callerGone);
        journal.Append(JournalEntry.From(http, form, received, reason));
        logger.Log(followsEarlier ? LogLevel.Debug : LogLevel.Warning,
            "Database unavailable ({Reason}); journaled {Path} for call or message {Sid} and answered without it",
            problem ?? reason, http.Request.Path, form["CallSid"].FirstOrDefault() ?? form["MessageSid"].FirstOrDefault());
        return answers.For(http.Request.Path.Value ?? "", http.Request.QueryString.Value ?? "", form);
    }

    static bool IsDatabaseTrouble(Exception e) => e switch
    {
        OperationCanceledException or TimeoutException or NpgsqlException or SocketException => true,
        AggregateException a => a.InnerExceptions.Any(IsDatabaseTrouble),
        InvalidOperationException when e.InnerException is { } inner => IsDatabaseTrouble(inner),
        _ => e.InnerException is { } inner && IsDatabaseTrouble(inner),
    };
}
