using Dapper;
using Hangfire;
using Npgsql;

namespace Hotline.Telephony;

public sealed record OutboundSms(string To, string Body, string Purpose, string DedupeKey, long? NeedId = null);

// MachineDetection: Twilio's answering machine detection ("Enable"), so the TwiML and status callbacks carry AnsweredBy.
public sealed record OutboundCall(string To, string TwimlPath, string Purpose, string DedupeKey, long? NeedId = null, string? MachineDetection = null);

// Every SMS and call we send is first a row, written under a unique key in the transaction that decided to send it,
// and only then handed to Twilio: an SMS by the SMS pump, a call by a job (or at once: PlaceCallNow). A retried job
// or a second instance finds the row and does not send again; a crash between the two leaves a pending row that the
// pump's poll or the sweeper hands on.
public sealed class Outbox(IBackgroundJobClient jobs, SmsPump pump, OutboxDelivery delivery, ILogger<Outbox> logger)
{
    public const string Pending = "pending";
    public const string Dispatching = "dispatching";

    public Task<long> QueueSmsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, OutboundSms sms, string from, DateTime now) =>
        InsertOrFindAsync(conn, tx,
            """
            INSERT INTO messages (direction, dedupe_key, from_phone, to_phone, body, purpose, status, need_id, resident_id, created_at, updated_at)
            VALUES ('outbound', @DedupeKey, @from, @To, @Body, @Purpose, 'pending', @NeedId, (SELECT id FROM residents WHERE phone = @To), @now, @now)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
            "SELECT id FROM messages WHERE dedupe_key = @DedupeKey",
            new { sms.DedupeKey, from, sms.To, sms.Body, sms.Purpose, sms.NeedId, now });

    public Task<long> QueueCallAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, OutboundCall call, string from, DateTime now) =>
        InsertOrFindAsync(conn, tx,
            """
            INSERT INTO calls (direction, dedupe_key, from_phone, to_phone, resident_id, purpose, twiml_path, need_id, machine_detection, status, stage, started_at, updated_at)
            VALUES ('outbound-api', @DedupeKey, @from, @To, (SELECT id FROM residents WHERE phone = @To), @Purpose, @TwimlPath, @NeedId, @MachineDetection, 'pending', 'outbound', @now, @now)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
            "SELECT id FROM calls WHERE dedupe_key = @DedupeKey",
            new { call.DedupeKey, from, call.To, call.Purpose, call.TwimlPath, call.NeedId, call.MachineDetection, now });

    static async Task<long> InsertOrFindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string insert, string find, object args) =>
        await conn.ExecuteScalarAsync<long?>(insert, args, tx) ?? await conn.ExecuteScalarAsync<long>(find, args, tx);

    // Call after the transaction that queued messages has committed: the pump sends every due message, these with them.
    public void DispatchSms() => pump.Wake();

    public void DispatchCall(long callId) => jobs.Enqueue<CallDeliveryJob>(job => job.RunAsync(callId, CancellationToken.None));

    // For a call someone at the console is waiting for (take next call): placed at once, not behind the call jobs,
    // whose queue a flood of alert calls can make minutes long (docs/benchmarks.md, the replay at 120x). It still
    // waits its turn at Twilio:CallsPerSecond, behind at most the call workers. If it fails or the process dies
    // first, the row is left pending or claimed and the outbox sweep hands it to a job.
    public void PlaceCallNow(long callId) => _ = Task.Run(async () =>
    {
        try
        {
            await delivery.PlaceCallAsync(callId, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Placing call {CallId} at once failed; the outbox sweep will hand it to a job", callId);
        }
    });
}
