using Hotline.Infrastructure;
using Hotline.Telephony;
using Npgsql;
using Twilio.TwiML;

namespace Hotline.Calls;

// One step of a live call: the call row (created if this is the first we hear of it), a transaction for
// everything the step writes, and the event that records the step with Twilio's raw payload.
public sealed class VoiceStep(NpgsqlConnection conn, NpgsqlTransaction tx, Call call, TwilioForm form, DateTime now, CallStore calls, bool replayed)
{
    public NpgsqlConnection Conn { get; } = conn;
    public NpgsqlTransaction Tx { get; } = tx;
    public Call Call { get; } = call;
    public TwilioForm Form { get; } = form;
    public DateTime Now { get; } = now;

    readonly List<Action> afterCommit = [];

    // Work that must only happen once this step's rows are committed, such as handing a queued SMS to a job.
    public void AfterCommit(Action action) => afterCommit.Add(action);

    internal void Committed() => afterCommit.ForEach(action => action());

    public Task<bool> RecordAsync(string kind, string? detail = null, string? dedupeKey = null) =>
        calls.AddEventAsync(Conn, Tx, new CallEvent(Call.Id, kind, detail, Form.ToJson(), dedupeKey, replayed, Now));
}

public sealed class VoiceWebhook(NpgsqlDataSource db, CallStore calls, Phones phones, TimeProvider clock, IHttpContextAccessor http)
{
    public async Task<TwimlResult> RunAsync(TwilioForm form, Func<VoiceStep, Task<TwiML>> step, CancellationToken ct)
    {
        var identity = IdentityOf(form);
        var context = http.HttpContext;
        var now = ReceivedAt(context, clock);
        var borrowed = WebhookReceiptFilter.Borrowed(context);
        await using var owned = borrowed is null ? await db.OpenConnectionAsync(ct) : null;
        var conn = borrowed ?? owned!;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (long.TryParse(context?.Request.Query["call"], out var outboundId))
        {
            await calls.BindOutboundAsync(conn, tx, outboundId, identity.CallSid);
        }

        var call = await calls.EnsureAsync(conn, tx, identity, now);
        var replayed = context?.Items.ContainsKey(ReplayMarker) ?? false;
        var voiceStep = new VoiceStep(conn, tx, call, form, now, calls, replayed);
        var answer = TwimlResult.From(await step(voiceStep));
        await WebhookReceiptFilter.StoreAsync(conn, tx, context, answer);
        await tx.CommitAsync(ct);
        voiceStep.Committed();
        return answer;
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
