extern alias sandbox;
using Hotline.Reconciliation;
using Hotline.Telephony;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using sandbox::Hotline.Sandbox.Calls;

namespace Hotline.Tests.Reconciliation;

// Twilio has no fallback for status and transcription callbacks: when the instance they point at is dead, they are
// lost. The sandbox plays the call for real; the test then takes away what the lost callbacks would have written, and
// the sweep must put back the same state from Twilio's REST API (here the sandbox's).
public sealed class ReconciliationTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    ReconciliationSweeper Sweeper => Fixture.Factory.Services.GetServices<IHostedService>().OfType<ReconciliationSweeper>().Single();

    OutboxSweeper Outbox => Fixture.Factory.Services.GetServices<IHostedService>().OfType<OutboxSweeper>().Single();

    sealed record CallState
    {
        public string Status { get; init; } = "";
        public string? Outcome { get; init; }
        public int? DurationSeconds { get; init; }
        public bool Ended { get; init; }
    }

    const string StateSql = "SELECT status, outcome, duration_seconds, ended_at IS NOT NULL AS ended FROM calls WHERE call_sid = @sid";

    async Task<CallState> FinalStateAsync(string sid) =>
        await Eventually.WaitForAsync(async () => (await RowAsync<CallState>(StateSql, new { sid }))!, s => s.Outcome is not null);

    // What a status callback that hit a dead instance leaves: no status event, the call still live, quiet since.
    async Task LoseStatusCallbacksAsync(string sid, string liveStatus = "in-progress") =>
        await ExecuteAsync(
            """
            DELETE FROM call_events WHERE kind = 'status' AND call_id = (SELECT id FROM calls WHERE call_sid = @sid);
            UPDATE call_events SET occurred_at = occurred_at - interval '1 hour' WHERE call_id = (SELECT id FROM calls WHERE call_sid = @sid);
            UPDATE calls SET status = @liveStatus, outcome = NULL, ended_at = NULL, duration_seconds = NULL, status_sequence = -1,
                started_at = started_at - interval '1 hour', updated_at = now() - interval '1 hour'
            WHERE call_sid = @sid;
            """, new { sid, liveStatus });

    int CallsPlaced() => Fixture.Sandbox.Requests.All().Count(r => r.Method == "POST" && r.Path.EndsWith("/Calls.json"));

    int FetchesOf(string sid) => Fixture.Sandbox.Requests.All().Count(r => r.Method == "GET" && r.Path.Contains($"/Calls/{sid}.json"));

    [Fact]
    public async Task A_call_whose_status_callbacks_were_lost_is_settled_from_twilio_as_its_callback_would_have_and_a_late_callback_changes_nothing()
    {
        const string resident = "+8613800000801";
        var transcript = await Fixture.Sandbox.Residents.CallAsync(new CallerScript
        {
            From = resident, Presses = ["2", "3"], RecordSeconds = 12, RecordTranscript = "Insulin for my mother",
        });
        var sid = transcript.CallSid;
        var byCallback = await FinalStateAsync(sid);
        var callbacks = await ScalarAsync<long>("SELECT count(*) FROM callbacks");
        await LoseStatusCallbacksAsync(sid);

        var result = await Sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(1, result.Settled);
        Assert.Equal(byCallback, await RowAsync<CallState>(StateSql, new { sid }));
        Assert.Equal("voicemail", byCallback.Outcome);
        Assert.Equal(callbacks, await ScalarAsync<long>("SELECT count(*) FROM callbacks"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'reconciled'"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'status'"));

        // The real callback, late (a retry, a network that held it): the call stays as the sweep left it.
        await Twilio.PostAsync("/twilio/voice/status", new Dictionary<string, string>
        {
            ["CallSid"] = sid, ["CallStatus"] = "completed", ["SequenceNumber"] = "3", ["CallDuration"] = "999",
            ["From"] = resident, ["To"] = HotlineFixture.HotlineNumber, ["Direction"] = "inbound",
        });
        Assert.Equal(byCallback, await RowAsync<CallState>(StateSql, new { sid }));
        Assert.Equal(callbacks, await ScalarAsync<long>("SELECT count(*) FROM callbacks"));

        // Settled calls are not fetched again.
        var fetches = FetchesOf(sid);
        await ExecuteAsync("UPDATE calls SET updated_at = now() - interval '1 hour'");
        Assert.Equal(0, (await Sweeper.SweepAsync(CancellationToken.None)).Settled);
        Assert.Equal(fetches, FetchesOf(sid));
    }

    [Fact]
    public async Task A_call_quiet_for_less_than_the_grace_is_left_to_its_callbacks()
    {
        var transcript = await Fixture.Sandbox.Residents.CallAsync(new CallerScript { From = "+8613800000802", Presses = ["2", "3"], RecordSeconds = 5 });
        await FinalStateAsync(transcript.CallSid);
        await ExecuteAsync("UPDATE calls SET status = 'in-progress', outcome = NULL");

        var result = await Sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(0, result.Settled);
        Assert.Equal(0, FetchesOf(transcript.CallSid));
    }

    [Fact]
    public async Task A_call_twilio_does_not_know_is_logged_marked_and_not_fetched_again()
    {
        await ExecuteAsync(
            """
            INSERT INTO calls (call_sid, direction, from_phone, to_phone, status, started_at, updated_at)
            VALUES ('CA_unknown_to_twilio', 'inbound', '+8613800000803', '+8621000000000', 'in-progress',
                    now() - interval '1 hour', now() - interval '1 hour')
            """);

        var first = await Sweeper.SweepAsync(CancellationToken.None);
        await ExecuteAsync("UPDATE calls SET updated_at = now() - interval '1 hour'");
        var second = await Sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(1, first.NotFound);
        Assert.Equal(0, second.NotFound);
        Assert.Equal(1, FetchesOf("CA_unknown_to_twilio"));
        Assert.Equal(1, await ScalarAsync<long>($"SELECT count(*) FROM call_events WHERE kind = '{CallReconciler.NotFoundEvent}'"));
        Assert.Equal("in-progress", await ScalarAsync<string>("SELECT status FROM calls"));
    }

    [Fact]
    public async Task An_outbound_call_placed_but_never_reported_is_settled_from_twilio_and_not_dialled_again_by_the_outbox()
    {
        // The delivery job placed the call and died before writing back; the TwiML request bound the CallSid; every
        // status callback went to the dead instance. The outbox sweeper must not dial again; reconciliation settles it.
        const string resident = "+8613800000804";
        var outbox = Fixture.Factory.Services.GetRequiredService<Hotline.Telephony.Outbox>();
        long id;
        await using (var conn = await Db.OpenConnectionAsync())
        {
            id = await outbox.QueueCallAsync(conn, null, new OutboundCall(resident, "/twilio/voice/incoming", "test", "reconcile:804"),
                HotlineFixture.HotlineNumber, DateTime.UtcNow);
        }

        outbox.DispatchCall(id);
        var sid = await Eventually.WaitForAsync(() => RowAsync<string?>("SELECT call_sid FROM calls WHERE id = @id", new { id }), s => s is not null);
        var byCallback = await FinalStateAsync(sid!);
        // Left pending by a transient failure after Twilio had accepted the call (a timeout on its answer, say).
        await LoseStatusCallbacksAsync(sid!, liveStatus: "pending");

        await Outbox.SweepAsync(CancellationToken.None);
        outbox.DispatchCall(id); // the job's own retry
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, CallsPlaced());
        Assert.Equal("pending", await ScalarAsync<string>("SELECT status FROM calls WHERE id = @id", new { id }));

        var result = await Sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(1, result.Settled);
        Assert.Equal(byCallback, await RowAsync<CallState>(StateSql, new { sid }));
        await Outbox.SweepAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, CallsPlaced());
    }

    [Fact]
    public async Task A_voicemail_whose_transcription_callback_was_lost_gets_its_transcript_from_twilio_and_a_late_callback_changes_nothing()
    {
        const string resident = "+8613800000805";
        var transcript = await Fixture.Sandbox.Residents.CallAsync(new CallerScript
        {
            From = resident, Presses = ["2", "3"], RecordSeconds = 12, RecordTranscript = "Food parcel please",
        });
        var recordingSid = await Eventually.WaitForAsync(
            () => RowAsync<string?>("SELECT recording_sid FROM voicemails WHERE transcript IS NOT NULL"), s => s is not null);
        // The transcription callback went to the dead instance.
        await ExecuteAsync(
            """
            UPDATE voicemails SET transcript = NULL, transcription_status = NULL, created_at = created_at - interval '1 hour';
            DELETE FROM call_events WHERE kind = 'transcription';
            """);

        var result = await Sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal((1, 0), (result.TranscriptsFetched, result.TranscriptsMissing));
        Assert.Equal(("Food parcel please", "completed"),
            await RowAsync<(string, string)>("SELECT transcript, transcription_status FROM voicemails"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'transcription'"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'reconciled'"));
        Assert.Equal((0, 0), await SweepTranscriptsAsync());

        await Twilio.PostAsync("/twilio/voice/voicemail/transcription", new Dictionary<string, string>
        {
            ["CallSid"] = transcript.CallSid, ["RecordingSid"] = recordingSid!, ["TranscriptionText"] = "something else",
            ["TranscriptionStatus"] = "completed", ["From"] = resident, ["To"] = HotlineFixture.HotlineNumber,
        });
        Assert.Equal("Food parcel please", await ScalarAsync<string>("SELECT transcript FROM voicemails"));
    }

    [Fact]
    public async Task A_voicemail_whose_transcript_twilio_does_not_have_is_marked_missing_and_a_late_transcript_still_fills_it()
    {
        await ExecuteAsync(
            """
            INSERT INTO calls (call_sid, direction, from_phone, to_phone, status, outcome, stage, started_at)
            VALUES ('CA_806', 'inbound', '+8613800000806', '+8621000000000', 'completed', 'voicemail', 'voicemail', now() - interval '1 hour');
            INSERT INTO voicemails (call_id, recording_sid, duration_seconds, created_at)
            VALUES ((SELECT id FROM calls), 'RE_not_at_twilio', 12, now() - interval '1 hour');
            """);

        Assert.Equal((0, 1), await SweepTranscriptsAsync());

        Assert.Equal("missing", await ScalarAsync<string>("SELECT transcription_status FROM voicemails"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'transcription_missing'"));
        Assert.Equal((0, 0), await SweepTranscriptsAsync());

        await Twilio.PostAsync("/twilio/voice/voicemail/transcription", new Dictionary<string, string>
        {
            ["CallSid"] = "CA_806", ["RecordingSid"] = "RE_not_at_twilio", ["TranscriptionText"] = "Food parcel please",
            ["TranscriptionStatus"] = "completed", ["From"] = "+8613800000806", ["To"] = HotlineFixture.HotlineNumber,
        });
        Assert.Equal(("Food parcel please", "completed"),
            await RowAsync<(string, string)>("SELECT transcript, transcription_status FROM voicemails"));
    }

    async Task<(int, int)> SweepTranscriptsAsync()
    {
        var result = await Sweeper.SweepAsync(CancellationToken.None);
        return (result.TranscriptsFetched, result.TranscriptsMissing);
    }
}
