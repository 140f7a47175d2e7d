using Hotline.Infrastructure;
using Hotline.Telephony;
using Npgsql;
using Twilio.TwiML;

namespace Hotline.Calls;

// One step of a live call: the call row (created if this is the first we hear of it), a transaction for
// everything the step writes, and the events that record the step with Twilio's raw payload.
public sealed class VoiceStep(NpgsqlConnection conn, NpgsqlTransaction tx, Call call, TwilioForm form, DateTime now, bool replayed)
{
    public NpgsqlConnection Conn { get; } = conn;
    public NpgsqlTransaction Tx { get; } = tx;
    public Call Call { get; } = call;
    public TwilioForm Form { get; } = form;
    public DateTime Now { get; } = now;

    readonly List<Action> afterCommit = [];

    // Events noted and writes deferred, in the order the step made them; they go out with its next round trip.
    readonly List<NpgsqlBatchCommand> pending = [];
    int lastEvent = -1;

    // Work that must only happen once this step's rows are committed, such as handing a queued SMS to a job.
    public void AfterCommit(Action action) => afterCommit.Add(action);

    internal void Committed() => afterCommit.ForEach(action => action());

    // Records a call event and says whether it is new (false: its dedupe key was seen before). What was noted or
    // deferred earlier in the step goes out in the same round trip, ahead of it, so the step's writes keep their order.
    public async Task<bool> RecordAsync(string kind, string? detail = null, string? dedupeKey = null)
    {
        Note(kind, detail, dedupeKey);
        return await FlushAsync(alsoRun: [], CancellationToken.None);
    }

    // Records a call event when nothing in the step depends on whether it is new: it is written with the step's
    // next RecordAsync or its last round trip, so it costs no round trip of its own.
    public void Note(string kind, string? detail = null, string? dedupeKey = null)
    {
        lastEvent = pending.Count;
        pending.Add(CallStore.EventCommand(Event(kind, detail, dedupeKey)));
    }

    // Defers writes whose effect nothing later in this step reads (a stage, a language, an outcome recomputed last):
    // like a noted event, they go out with the step's next RecordAsync or its last round trip, in the order given. A
    // statement that reads what they write (RecomputeOutcomeAsync reads the stage, CallEndedAsync the outcome) must be
    // deferred after them too, or they must be written at once. A step that fails rolls them back with everything else.
    public void Later(params NpgsqlBatchCommand[] writes) => pending.AddRange(writes);

    // Writes what is pending and then alsoRun (the stored answer, COMMIT) in one round trip; true when the last event
    // was new.
    internal async Task<bool> FlushAsync(NpgsqlBatchCommand?[] alsoRun, CancellationToken ct)
    {
        var last = lastEvent;
        lastEvent = -1;
        await using var batch = new NpgsqlBatch(Conn, Tx);
        foreach (var command in pending.Concat(alsoRun).OfType<NpgsqlBatchCommand>())
        {
            batch.BatchCommands.Add(command);
        }

        pending.Clear();
        if (batch.BatchCommands.Count == 0)
        {
            return false;
        }

        await batch.ExecuteNonQueryAsync(ct);
        return last >= 0 && batch.BatchCommands[last].RecordsAffected == 1;
    }

    CallEvent Event(string kind, string? detail, string? dedupeKey) => new(Call.Id, kind, detail, Form.ToJson(), dedupeKey, replayed, Now);
}

public sealed class VoiceWebhook(NpgsqlDataSource db, CallStore calls, Phones phones, TimeProvider clock, IHttpContextAccessor http, ILogger<VoiceWebhook> logger)
{
    // Round trips of a step: the first carries BEGIN, Twilio's retry check, the outbound binding and the call row;
    // then whatever the handler needs to read or decide; then its events and deferred writes with the stored answer
    // and COMMIT. Most steps read nothing more, so they cost two round trips.
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
        var voiceStep = new VoiceStep(conn, tx, opened.Call!, form, now, replayed);
        var answer = TwimlResult.From(await step(voiceStep));
        // COMMIT rides in the last batch. Npgsql sees the transaction end in the server's reply, so disposing tx sends
        // nothing more. If a statement before it fails, PostgreSQL skips the rest of the batch, COMMIT included, and
        // the transaction is rolled back on the way out, as with a failing CommitAsync (OutageTests checks both).
        await voiceStep.FlushAsync([WebhookReceiptFilter.StoreCommand(context, answer), new NpgsqlBatchCommand("COMMIT")], ct);
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

    // A step that reads nothing beyond the call row: its writes are noted or deferred (VoiceStep.Later).
    public Task<TwimlResult> RunAsync(TwilioForm form, Func<VoiceStep, TwiML> step, CancellationToken ct) =>
        RunAsync(form, s => Task.FromResult(step(s)), ct);

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
