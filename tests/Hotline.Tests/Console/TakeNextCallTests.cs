extern alias sandbox;
using System.Net;
using System.Net.Http.Json;
using Hotline.Telephony;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Calls;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.OperatorConsole;

public sealed class TakeNextCallTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    const string OperatorPhone = "+8613900000777";

    async Task<HttpClient> OperatorAsync(bool onDuty = true, string? phone = OperatorPhone)
    {
        await StaffLogin.AddStaffAsync(Fixture, "ana", "operator", onDuty);
        await ExecuteAsync("UPDATE staff SET phone = @phone WHERE username = 'ana'", new { phone });
        return await StaffLogin.LoggedInAsync(Fixture, "ana");
    }

    async Task<Caller> WaitingCallerAsync(string menuDigit)
    {
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", menuDigit);
        return caller;
    }

    [Fact]
    public async Task Take_next_call_rings_the_operators_phone_once_however_often_it_is_clicked()
    {
        var client = await OperatorAsync();
        await WaitingCallerAsync("3");

        var first = await client.PostAsync("/api/board/take-next", null);
        var second = await client.PostAsync("/api/board/take-next", null);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var row = await RowAsync<(string ToPhone, string Purpose, string TwimlPath)>(
            "SELECT to_phone, purpose, twiml_path FROM calls WHERE purpose = 'take_next'");
        Assert.Equal((OperatorPhone, "take_next"), (row.ToPhone, row.Purpose));
        Assert.StartsWith("/twilio/console/take-next?staff=", row.TwimlPath);
    }

    [Theory]
    [InlineData(true, null, true, HttpStatusCode.BadRequest)]
    [InlineData(false, OperatorPhone, true, HttpStatusCode.Conflict)]
    [InlineData(true, OperatorPhone, false, HttpStatusCode.Conflict)]
    public async Task Take_next_call_is_refused_without_a_phone_off_duty_or_with_nobody_waiting(
        bool onDuty, string? phone, bool someoneWaiting, HttpStatusCode expected)
    {
        var client = await OperatorAsync(onDuty, phone);
        if (someoneWaiting)
        {
            await WaitingCallerAsync("3");
        }

        var answer = await client.PostAsync("/api/board/take-next", null);

        Assert.Equal(expected, answer.StatusCode);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM calls WHERE purpose = 'take_next'"));
    }

    [Fact]
    public async Task The_operator_hears_who_is_next_and_is_bridged_to_the_urgent_queue_first()
    {
        var client = await OperatorAsync();
        var general = await WaitingCallerAsync("3");
        var urgent = await WaitingCallerAsync("1");
        var staffId = await ScalarAsync<long>("SELECT id FROM staff");
        // The operator's call is placed at once and the sandbox gives it its SID; its phone rings unanswered, so this
        // test plays Twilio's side of the call from there.
        Fixture.Sandbox.Phones.SetBehaviour(OperatorPhone, new PhoneBehaviour { Answer = AnswerMode.NoAnswer });
        var leg = (await (await client.PostAsync("/api/board/take-next", null)).Content.ReadFromJsonAsync<Dictionary<string, object>>())!;
        var legId = leg["callId"].ToString();
        var legSid = await Eventually.WaitForAsync(
            () => ScalarAsync<string>("SELECT coalesce(call_sid, '') FROM calls WHERE id = @id", new { id = long.Parse(legId!) }), sid => sid != "");

        // Twilio fetches the operator leg's TwiML (our row id rides in the URL) ...
        var operatorLeg = new Caller(Twilio, OperatorPhone, legSid);
        var twiml = await Twilio.PostAsync($"/twilio/console/take-next?staff={staffId}&call={legId}",
            operatorLeg.Form(("Direction", "outbound-api"), ("From", "+8621000000000"), ("To", OperatorPhone)));

        var reference = await ScalarAsync<string>("SELECT n.reference FROM needs n JOIN calls c ON c.id = n.call_id WHERE c.call_sid = @CallSid", new { urgent.CallSid });
        Assert.Contains($"urgent queue, reference {string.Join(' ', reference.ToCharArray())}", twiml.SaidText);
        Assert.Equal("urgent", twiml.Twiml.Descendants("Queue").Single().Value);
        Assert.Equal($"/twilio/console/dequeued?operator={legId}", twiml.Attribute("Queue", "url"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM calls WHERE call_sid = @legSid", new { legSid }));

        // ... then the <Queue url> for the caller it takes off the queue, just before bridging them.
        await urgent.PostAsync($"/twilio/console/dequeued?operator={legId}", ("QueueSid", "QU1"), ("DequeueingCallSid", legSid));
        await urgent.Status("completed", 120);

        Assert.Equal("answered", await ScalarAsync<string>("SELECT outcome FROM calls WHERE call_sid = @CallSid", new { urgent.CallSid }));
        Assert.Equal("queue", await ScalarAsync<string>("SELECT stage FROM calls WHERE call_sid = @CallSid", new { general.CallSid }));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'bridged'"));
    }

    [Fact]
    public async Task An_operator_called_when_nobody_waits_any_more_hears_so_and_is_hung_up()
    {
        await OperatorAsync();
        var staffId = await ScalarAsync<long>("SELECT id FROM staff");
        var operatorLeg = new Caller(Twilio, OperatorPhone);

        var twiml = await operatorLeg.PostAsync($"/twilio/console/take-next?staff={staffId}");

        Assert.Contains("Nobody is waiting", twiml.SaidText);
        Assert.Equal(["Say", "Hangup"], twiml.Verbs);
    }

    [Fact]
    public async Task Played_by_the_sandbox_the_operators_phone_rings_and_is_bridged_to_the_waiting_resident()
    {
        var client = await OperatorAsync();
        const string resident = "+8613800000301";
        var call = Fixture.Sandbox.Residents.CallAsync(new CallerScript { From = resident, Presses = ["2", "1"], TalkSeconds = 20 });
        await Eventually.WaitForAsync(() => ScalarAsync<long>("SELECT count(*) FROM calls WHERE stage = 'queue'"), n => n == 1);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/board/take-next", null)).StatusCode);

        var transcript = await call.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(transcript.AllRequestsSucceeded, string.Join("\n", transcript.Steps));
        var outcome = await Eventually.WaitForAsync(
            () => ScalarAsync<string>("SELECT coalesce(outcome, '') FROM calls WHERE from_phone = @resident", new { resident }), o => o != "");
        Assert.Equal("answered", outcome);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events e JOIN calls c ON c.id = e.call_id WHERE c.from_phone = @resident AND e.kind = 'bridged'", new { resident }));
        Assert.Contains(Fixture.Sandbox.Phones.CallsOf(OperatorPhone), c => c.Said.Any(s => s.Contains("urgent queue")));
    }

    [Fact]
    public async Task The_operators_call_is_placed_ahead_of_a_backlog_of_alert_calls()
    {
        // A flood of unacknowledged urgent needs queues hundreds of alert calls, placed at Twilio:CallsPerSecond (50
        // here): an operator taking the next caller must not wait behind them (the 80,000-call replay at 120x did).
        var client = await OperatorAsync();
        await WaitingCallerAsync("3");
        var outbox = Fixture.Factory.Services.GetRequiredService<Outbox>();
        const int backlog = 300;
        // Queued from ten connections at once: one by one, each with its own commit and job, a slow machine queued them
        // hardly faster than they were placed, and no backlog was left by the time the operator asked.
        await Task.WhenAll(Enumerable.Range(0, backlog).Chunk(backlog / 10).Select(chunk => Task.Run(async () =>
        {
            await using var conn = await Db.OpenConnectionAsync();
            foreach (var i in chunk)
            {
                var supervisor = $"+86137{i:D8}";
                Fixture.Sandbox.Phones.SetBehaviour(supervisor, new PhoneBehaviour { Answer = AnswerMode.NoAnswer });
                outbox.DispatchCall(await outbox.QueueCallAsync(conn, null,
                    new OutboundCall(supervisor, "/twilio/voice/incoming", "test", $"backlog:{i}"), HotlineFixture.HotlineNumber, DateTime.UtcNow));
            }
        })));

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/board/take-next", null)).StatusCode);
        var asked = DateTime.UtcNow;

        var placed = await Eventually.WaitForAsync(
            () => RowAsync<(string? OperatorCallSid, long BacklogNotYetPlaced)>(
                "SELECT (SELECT call_sid FROM calls WHERE purpose = 'take_next'), (SELECT count(*) FROM calls WHERE purpose = 'test' AND call_sid IS NULL)"),
            r => r.OperatorCallSid is not null, seconds: 60);
        Assert.NotNull(placed.OperatorCallSid);
        // Seen failing once in a full run, and not since: when it does, the message says when the call was claimed.
        var timeline = await ScalarAsync<string>(
            """
            SELECT format('take-next call %s after %s attempt(s), last updated %s; last alert call placed %s; test asked at %s',
                          t.status, t.attempts, t.updated_at::time, (SELECT max(updated_at)::time FROM calls WHERE purpose = 'test'), @asked::time)
            FROM calls t WHERE purpose = 'take_next'
            """, new { asked });
        Assert.True(placed.BacklogNotYetPlaced > 0, $"the operator's call was placed only after every alert call queued before it ({timeline})");
    }
}
