using Hotline.Infrastructure;
using Hotline.Telephony;
using Npgsql;
using Twilio.TwiML;

namespace Hotline.Calls;

// One step of a live call: the call row (created if this is the first we hear of it), a transaction for
// everything the step writes, and the events that record the step with Twilio's raw payload.
public sealed class VoiceStep(NpgsqlConnection conn, NpgsqlTransaction tx, Call call, TwilioForm form, DateTime now, CallStore calls, bool replayed)
{
    public NpgsqlConnection Conn { get; } = conn;
    public NpgsqlTransaction Tx { get; } = tx;
    public Call Call { get; } = call;
    public TwilioForm Form { get; } = form;
    public DateTime Now { get; } = now;

    readonly List<Action> afterCommit = [];
    readonly List<CallEvent> notes = [];

    // Work that must only happen once this step's rows are committed, such as handing a queued SMS to a job.
    public void AfterCommit(Action action) => afterCommit.Add(action);

    internal void Committed() => afterCommit.ForEach(action => action());

    // Records a call event and says whether it is new (false: its dedupe key was seen before). Events noted
    // earlier in the step go out in the same round trip, ahead of it, so the log keeps the order of the step.
    public async Task<bool> RecordAsync(string kind, string? detail = null, string? dedupeKey = null)
    {
        notes.Add(Event(kind, detail, dedupeKey));
        return await FlushAsync(alsoRun: null, CancellationToken.None);
    }

    // Records a call event when nothing in the step depends on whether it is new: it is written with the step's
    // next RecordAsync or its last round trip, so it costs no round trip of its own.
    public void Note(string kind, string? detail = null, string? dedupeKey = null) => notes.Add(Event(kind, detail, dedupeKey));

    // Writes the noted events and alsoRun (the stored answer) in one round trip; true when the last event was new.
    internal async Task<bool> FlushAsync(NpgsqlBatchCommand? alsoRun, CancellationToken ct)
    {
        var pending = notes.ToList();
        notes.Clear();
        return await calls.AddEventsAsync(Conn, Tx, pending, alsoRun, ct);
    }

    CallEvent Event(string kind, string? detail, string? dedupeKey) => new(Call.Id, kind, detail, Form.ToJson(), dedupeKey, replayed, Now);
}

public sealed class VoiceWebhook(NpgsqlDataSource db, CallStore calls, Phones phones, TimeProvider clock, IHttpContextAccessor http, ILogger<VoiceWebhook> logger)
{
    // Round trips of a step: the first carries BEGIN, Twilio's retry check, the outbound binding and the call row;
    // then whatever the handler needs to read or decide; then its events with the stored answer; then COMMIT.
    public async Task<TwimlResult> RunAsync(TwilioForm form, Func<VoiceStep, Task<TwiML>> step, CancellationToken ct)
    {
        var identity = IdentityOf(form);
        var context = http.HttpContext;
        var now = ReceivedAt(context, clock);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        long? outboundId = long.TryParse(context?.Request.Query["call"], out var id) ? id : null;
        var opened = await calls.OpenStepAsync(conn, tx, identity, outboundId, WebhookReceiptFilter.TokenToLookUp(context), now);
        if (opened.StoredAnswer is { } stored)
        {
            // A retried delivery: the first one's answer, and the transaction (with anything its first statement
            // wrote) rolled back on the way out.
            return WebhookReceiptFilter.Seen(context!, stored);
        }

        var replayed = context?.Items.ContainsKey(ReplayMarker) ?? false;
        var voiceStep = new VoiceStep(conn, tx, opened.Call!, form, now, calls, replayed);
        var answer = TwimlResult.From(await step(voiceStep));
        await voiceStep.FlushAsync(WebhookReceiptFilter.StoreCommand(context, answer), ct);
        await tx.CommitAsync(ct);
        // Handing work on (a job for a queued SMS, a callback's schedule) costs Hangfire's own round trips and commit,
        // which the caller need not wait for: it runs once the answer is sent. A crash in between loses nothing, as
        // the rows are committed and the outbox and callback sweeps hand them on. A replayed webhook has no answer
        // to send, so its work runs at once.
        if (context is not null && !replayed)
        {
            context.Response.OnCompleted(() => RunCommitted(voiceStep, opened.Call!));
        }
        else
        {
            await RunCommitted(voiceStep, opened.Call!);
        }

        return answer;
    }

    Task RunCommitted(VoiceStep step, Call call)
    {
        try
        {
            step.Committed();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Work after the commit of call {CallId} failed; the outbox and callback sweeps will hand it on", call.Id);
        }

        return Task.CompletedTask;
    }

    // Set on requests that come from the outage journal rather than from Twilio; its value is when Twilio sent it.
    public const string ReplayMarker = "hotline.replayed";

    // A replayed webhook is recorded at the time it happened, not the time the database came back.
    public static DateTime ReceivedAt(HttpContext? http, TimeProvider clock) =>
        http?.Items[ReplayMarker] is DateTime receivedAt ? receivedAt : clock.GetUtcNow().UtcDateTime;

    CallIdentity IdentityOf(TwilioForm form)
    {
        var callSid = form.Required("CallSid");
        if (callSid.Length > 64)
        {
            throw new BadWebhookException("CallSid is too long.");
        }

        // A withheld or odd caller id must not cost the caller their call: keep what Twilio sent.
        var from = form["From"] ?? "";
        var to = form["To"] ?? "";
        return new CallIdentity(
            callSid,
            Truncate(form["Direction"] ?? "inbound"),
            phones.ToE164(from) ?? Truncate(from),
            phones.ToE164(to) ?? Truncate(to));
    }

    static string Truncate(string value) => value.Length > 40 ? value[..40] : value;
}
