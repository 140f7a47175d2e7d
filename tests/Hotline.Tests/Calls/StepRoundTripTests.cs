using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Hotline.Tests.Support;

namespace Hotline.Tests.Calls;

// Counts what each voice webhook sends to PostgreSQL, as Npgsql itself reports it: it starts an activity for every
// command or batch it executes (one round trip each). Each webhook here carries a trace id of its own (W3C
// traceparent), which ASP.NET Core takes for its request and Npgsql's activities inherit, so a count holds only that
// webhook's commands, not those of the sandbox's callbacks or the app's background work running meanwhile. Counted are
// the app's own connections ("hotline"; Hangfire has a pool of its own). The COMMIT that ends each step rides in its
// last batch (a lone COMMIT when nothing else was left to write), so each count is the step's round trips.
public sealed class StepRoundTripTests : HotlineTest, IDisposable
{
    readonly ConcurrentQueue<(ActivityTraceId Trace, string Sql)> commands = new();
    readonly ActivityListener listener;
    readonly List<string> table = [];

    public StepRoundTripTests(HotlineFixture fixture) : base(fixture)
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql"
                    && activity.GetTagItem("db.query.text") is string sql
                    && activity.GetTagItem("db.npgsql.data_source") as string == "hotline")
                {
                    commands.Enqueue((activity.TraceId, sql));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    // Sends one webhook of the caller's call and notes how many commands it ran as "step: count".
    async Task Step(string step, Caller caller, string path, params (string Key, string Value)[] extra)
    {
        var trace = ActivityTraceId.CreateRandom();
        var answer = await Twilio.PostAsync(path, caller.Form(extra),
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{trace}-{ActivitySpanId.CreateRandom()}-01" });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var sent = commands.Where(c => c.Trace == trace).Select(c => c.Sql).ToList();
        Assert.True(sent.Count > 0, $"No commands traced for {step}: is Npgsql's tracing still on?");
        table.Add($"{step}: {sent.Count}");
    }

    [Fact]
    public async Task Each_voice_step_costs_the_round_trips_it_needs_and_no_more()
    {
        var unattended = new Caller(Twilio, Caller.NewPhone());
        await unattended.Dial();
        await unattended.Press("/twilio/voice/language", "2");
        await Step("menu, nobody on duty", unattended, "/twilio/voice/menu?attempt=1", ("Digits", "3"));

        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);

        var waiting = new Caller(Twilio, Caller.NewPhone());
        await Step("incoming", waiting, "/twilio/voice/incoming", ("CallStatus", "ringing"));
        await Step("language", waiting, "/twilio/voice/language", ("Digits", "2"));
        await Step("menu", waiting, "/twilio/voice/menu?attempt=1", ("Digits", "3"));
        await Step("queue/wait", waiting, "/twilio/voice/queue/wait", ("QueuePosition", "1"), ("QueueTime", "10"));
        await Step("queue/wait timeout", waiting, "/twilio/voice/queue/wait", ("QueuePosition", "1"), ("QueueTime", "605"));
        await Step("queue/done", waiting, "/twilio/voice/queue/done", ("QueueResult", "leave"), ("QueueTime", "606"));
        await Step("voicemail/recorded", waiting, "/twilio/voice/voicemail/recorded", ("RecordingSid", "RE1"), ("RecordingDuration", "21"));
        await Step("status final", waiting, "/twilio/voice/status", ("CallStatus", "completed"), ("SequenceNumber", "1"), ("CallDuration", "640"));
        await Step("recording-status", waiting, "/twilio/voice/voicemail/recording-status",
            ("RecordingSid", "RE1"), ("RecordingStatus", "completed"), ("RecordingDuration", "21"));
        await Step("transcription", waiting, "/twilio/voice/voicemail/transcription",
            ("RecordingSid", "RE1"), ("TranscriptionText", "Insulin"), ("TranscriptionStatus", "completed"));

        var pressing = new Caller(Twilio, Caller.NewPhone());
        await pressing.Dial();
        await pressing.Press("/twilio/voice/language", "2");
        await pressing.Press("/twilio/voice/menu?attempt=1", "3");
        await Step("queue/callback", pressing, "/twilio/voice/queue/callback", ("Digits", "1"));
        await pressing.Status("completed", 90);

        var hangingUp = new Caller(Twilio, Caller.NewPhone());
        await hangingUp.Dial();
        await Step("status live", hangingUp, "/twilio/voice/status", ("CallStatus", "in-progress"), ("SequenceNumber", "0"));
        await Step("status final, no callback", hangingUp, "/twilio/voice/status", ("CallStatus", "completed"), ("SequenceNumber", "1"),
            ("CallDuration", "5"));

        Assert.Equal(
            [
                "menu, nobody on duty: 4", "incoming: 2", "language: 2", "menu: 4", "queue/wait: 2", "queue/wait timeout: 2", "queue/done: 3", "voicemail/recorded: 5",
                "status final: 4", "recording-status: 3", "transcription: 3", "queue/callback: 3", "status live: 3", "status final, no callback: 3",
            ],
            table);

        // The deferred writes landed, in order: the stage before the outcome computed from it, the voicemail before the
        // outcome that counts it.
        Assert.Equal(("voicemail", "voicemail"), await RowAsync<(string, string)>(
            "SELECT stage, outcome FROM calls WHERE call_sid = @CallSid", new { waiting.CallSid }));
        Assert.Equal(("callback_requested", "callback_requested"), await RowAsync<(string, string)>(
            "SELECT stage, outcome FROM calls WHERE call_sid = @CallSid", new { pressing.CallSid }));
        Assert.Equal(("voicemail", 1L), await RowAsync<(string, long)>(
            "SELECT stage, (SELECT count(*) FROM needs n WHERE n.call_id = c.id) FROM calls c WHERE call_sid = @CallSid", new { unattended.CallSid }));
        Assert.Equal("abandoned_in_ivr", await ScalarAsync<string>("SELECT outcome FROM calls WHERE call_sid = @CallSid", new { hangingUp.CallSid }));
    }
}
