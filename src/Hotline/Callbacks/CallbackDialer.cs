using Dapper;
using Hangfire;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Callbacks;

public sealed record StartedAttempt(Callback Callback, long AttemptId, int AttemptNo, long CallId);

// Starts one attempt: the callback is claimed (pending → dialing), the attempt and its outbound call are written under
// the key callback:{id}:{attempt} in the same transaction, and only after commit is the call handed to Twilio. Two
// jobs or two operators racing for one callback: one claim wins, the other gets null and dials nobody.
public sealed class CallbackDialer(CallbackStore store, Outbox outbox, IBackgroundJobClient jobs,
    IOptionsMonitor<CallbackOptions> options, IOptions<TwilioOptions> twilio)
{
    public const string OperatorPurpose = "callback_operator";
    public const string AutomaticPurpose = "callback_automatic";

    public async Task<StartedAttempt?> StartAutomaticAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callbackId, DateTime now)
    {
        var callback = await store.ClaimAsync(conn, tx, callbackId, now, staffId: null, automatic: true);
        if (callback is null)
        {
            return null;
        }

        // Answering machine detection lets a machine's pick-up count as not reached instead of as a conversation.
        return await StartAsync(conn, tx, callback, "automatic", null, new OutboundCall(
            callback.Phone, $"/twilio/callbacks/resident?callback={callback.Id}&attempt={callback.Attempts}", AutomaticPurpose,
            DedupeKey(callback.Id, callback.Attempts), callback.NeedId, MachineDetection: "Enable"), now);
    }

    public async Task<StartedAttempt?> StartForOperatorAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callbackId, long staffId, string operatorPhone, DateTime now)
    {
        var callback = await store.ClaimAsync(conn, tx, callbackId, now, staffId, automatic: false);
        if (callback is null)
        {
            return null;
        }

        // The operator's phone rings first; its TwiML whispers the need and then dials the resident.
        return await StartAsync(conn, tx, callback, "operator", staffId, new OutboundCall(
            operatorPhone, $"/twilio/callbacks/operator?callback={callback.Id}&attempt={callback.Attempts}", OperatorPurpose,
            DedupeKey(callback.Id, callback.Attempts), callback.NeedId), now);
    }

    async Task<StartedAttempt> StartAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Callback callback, string mode, long? staffId, OutboundCall call, DateTime now)
    {
        var callId = await outbox.QueueCallAsync(conn, tx, call, twilio.Value.PhoneNumber, now);
        var attemptId = await store.AddAttemptAsync(conn, tx, callback.Id, callback.Attempts, mode, staffId, callId, now);
        await store.AddEventAsync(conn, tx, callback.Id, "dialing", $"attempt {callback.Attempts}, {mode}", staffId, now);
        return new StartedAttempt(callback, attemptId, callback.Attempts, callId);
    }

    public static string DedupeKey(long callbackId, int attempt) => $"callback:{callbackId}:{attempt}";

    public void Dispatch(StartedAttempt attempt) => outbox.DispatchCall(attempt.CallId);

    // Whether due callbacks are called by the job right now, or wait for an operator in the console.
    public async Task<bool> IsAutomaticNowAsync(NpgsqlConnection conn, NpgsqlTransaction? tx) =>
        options.CurrentValue.Mode switch
        {
            CallbackMode.Automatic => true,
            CallbackMode.OperatorFirstElseAutomatic => !await AnyOperatorOnDutyAsync(conn, tx),
            _ => false,
        };

    public static Task<bool> AnyOperatorOnDutyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx) =>
        conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM staff WHERE on_duty AND role = 'operator')", transaction: tx);

    // The job re-checks everything, so scheduling it when it turns out not to be needed costs one query.
    public void ScheduleJob(long callbackId, DateTime dueAt)
    {
        if (options.CurrentValue.Mode != CallbackMode.OperatorFirst)
        {
            jobs.Schedule<CallbackJob>(job => job.RunAsync(callbackId, CancellationToken.None), new DateTimeOffset(dueAt, TimeSpan.Zero));
        }
    }
}
