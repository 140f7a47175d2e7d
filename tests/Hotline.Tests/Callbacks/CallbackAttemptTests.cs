using Dapper;
using Hotline.Callbacks;
using Hotline.Tests.Support;

namespace Hotline.Tests.Callbacks;

// Attempts played with signed webhooks standing in for Twilio (the sandbox tests play whole calls).
public sealed class CallbackAttemptTests(HotlineFixture fixture) : CallbackTest(fixture)
{
    async Task<Callback> VoicemailCallbackAsync(string? phone = null)
    {
        var caller = await CallerWithNeedAsync(phone);
        await caller.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE" + Guid.NewGuid().ToString("N")[..8]));
        await caller.Status("completed", 45);
        return (await CallbackForAsync(caller.From))!;
    }

    [Fact]
    public async Task Operator_first_whispers_the_need_dials_the_resident_and_completes_when_they_talked_long_enough()
    {
        await OnDutyAsync(Fixture, "op", "+8613900000001");
        var callback = await VoicemailCallbackAsync();
        var operatorId = await ScalarAsync<long>("SELECT id FROM staff WHERE username = 'op'");

        var leg = await StartAttemptAsync(callback.Id, operatorId, "+8613900000001");
        var twiml = await leg.Answer();

        var reference = await ScalarAsync<string>("SELECT reference FROM needs");
        Assert.Contains(string.Join(' ', reference.ToCharArray()), twiml.SaidText);
        Assert.Equal(callback.Phone, twiml.Twiml.Descendants("Number").Single().Value);
        var action = twiml.Attribute("Dial", "action")!;
        var done = await leg.PostAsync(action, ("DialCallStatus", "completed"), ("DialCallDuration", "95"), ("DialCallSid", "CAresident"));
        Assert.Contains("Hangup", done.Verbs);
        await leg.Status("completed", 120);

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("completed", "connected"), (after!.Status, after.LastResult));
        var attempt = await RowAsync<CallbackAttempt>("SELECT * FROM callback_attempts");
        Assert.Equal(("operator", "connected", 95, "CAresident", operatorId), (attempt!.Mode, attempt.Result, attempt.DurationSeconds, attempt.ResidentCallSid, attempt.StaffId));
        Assert.Equal($"callback:{callback.Id}:1", await ScalarAsync<string>("SELECT dedupe_key FROM calls WHERE id = @CallId", leg));
    }

    [Fact]
    public async Task A_short_conversation_does_not_complete_the_callback()
    {
        await OnDutyAsync(Fixture, "op", "+8613900000002");
        var callback = await VoicemailCallbackAsync();
        var leg = await StartAttemptAsync(callback.Id, await ScalarAsync<long>("SELECT id FROM staff"), "+8613900000002");
        var action = (await leg.Answer()).Attribute("Dial", "action")!;

        await leg.PostAsync(action, ("DialCallStatus", "completed"), ("DialCallDuration", "4"));

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "too_short", 1), (after!.Status, after.LastResult, after.Failures));
    }

    [Fact]
    public async Task An_operator_who_does_not_pick_up_leaves_the_callback_in_its_place_without_counting_against_the_resident()
    {
        await OnDutyAsync(Fixture, "op", "+8613900000003");
        var callback = await VoicemailCallbackAsync();
        var leg = await StartAttemptAsync(callback.Id, await ScalarAsync<long>("SELECT id FROM staff"), "+8613900000003");

        await leg.Status("no-answer");

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "operator_missed", 0, null), (after!.Status, after.LastResult, after.Failures, after.AssignedTo));
        Assert.Equal(callback.PlaceAt, after.PlaceAt);
        Assert.True(after.DueAt <= DateTime.UtcNow);
    }

    [Fact]
    public async Task Busy_then_no_answer_then_answered_follows_the_back_off()
    {
        CallbackSettings.Use(Fixture, retrySeconds: [2, 4, 8], minConnectedSeconds: 10);
        await OnDutyAsync(Fixture, "op", "+8613900000004");
        var callback = await VoicemailCallbackAsync();

        var first = await StartAttemptAsync(callback.Id);
        await first.Status("busy");
        var afterBusy = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "busy", 1), (afterBusy!.Status, afterBusy.LastResult, afterBusy.Failures));
        Assert.InRange((afterBusy.DueAt - afterBusy.UpdatedAt).TotalSeconds, 1.9, 2.1);

        await WaitUntilDueAsync(callback.Id);
        var second = await StartAttemptAsync(callback.Id);
        await second.Status("no-answer");
        var afterNoAnswer = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "no-answer", 2), (afterNoAnswer!.Status, afterNoAnswer.LastResult, afterNoAnswer.Failures));
        Assert.InRange((afterNoAnswer.DueAt - afterNoAnswer.UpdatedAt).TotalSeconds, 3.9, 4.1);

        await WaitUntilDueAsync(callback.Id);
        var third = await StartAttemptAsync(callback.Id);
        var greeting = await third.Answer(("AnsweredBy", "human"));
        Assert.Contains("calling you back about your request", greeting.SaidText);
        var choice = await third.PostAsync(greeting.Attribute("Gather", "action")!, ("Digits", "1"));
        Assert.Equal("urgent", choice.Twiml.Descendants("Enqueue").Single().Value);
        await third.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "5"));
        await third.Status("completed", 80);

        var done = await CallbackForAsync(callback.Phone);
        Assert.Equal(("completed", "connected"), (done!.Status, done.LastResult));
        var attempts = await Db.QueryListAsync<(string Result, DateTime StartedAt)>(
            "SELECT result, started_at FROM callback_attempts ORDER BY attempt_no");
        Assert.Equal(["busy", "no-answer", "connected"], attempts.Select(a => a.Result));
        Assert.True((attempts[1].StartedAt - attempts[0].StartedAt).TotalSeconds >= 2);
        Assert.True((attempts[2].StartedAt - attempts[1].StartedAt).TotalSeconds >= 4);
    }

    [Fact]
    public async Task An_answering_machine_is_not_a_conversation_and_is_retried()
    {
        var callback = await VoicemailCallbackAsync();
        var leg = await StartAttemptAsync(callback.Id);

        var twiml = await leg.Answer(("AnsweredBy", "machine_start"));
        Assert.Equal(["Hangup"], twiml.Verbs);
        await leg.Status("completed", 3, answeredBy: "machine_start");

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "machine", 1), (after!.Status, after.LastResult, after.Failures));
    }

    [Fact]
    public async Task A_resident_who_picks_up_while_the_database_is_away_is_told_we_will_call_again_and_it_does_not_count_against_them()
    {
        var callback = await VoicemailCallbackAsync();
        var leg = await StartAttemptAsync(callback.Id);
        Fixture.DatabaseProxy.Cut();

        var twiml = await leg.Answer();
        await leg.Status("completed", 9);

        Assert.Contains("We will call you again soon", twiml.SaidText);
        Assert.Equal("Hangup", twiml.Verbs.Last());
        await Fixture.RestoreAndReplayAsync();
        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "lost", 0), (after!.Status, after.LastResult, after.Failures));
        Assert.True(after.DueAt <= DateTime.UtcNow);
    }

    [Fact]
    public async Task Every_attempt_failing_makes_the_callback_unreachable_texts_the_resident_and_alerts_a_supervisor()
    {
        CallbackSettings.Use(Fixture, retrySeconds: [1]);
        var callback = await VoicemailCallbackAsync();
        var results = new[] { "busy", "no-answer", "failed", "no-answer" };
        foreach (var result in results)
        {
            await WaitUntilDueAsync(callback.Id);
            var leg = await StartAttemptAsync(callback.Id);
            await leg.Status(result);
        }

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("unreachable", 4), (after!.Status, after.Failures));
        var reference = await ScalarAsync<string>("SELECT reference FROM needs WHERE id = @NeedId", after);
        var sms = await RowAsync<(string To, string Body, string DedupeKey)>(
            "SELECT to_phone, body, dedupe_key FROM messages WHERE purpose = 'callback_unreachable'");
        Assert.Equal(callback.Phone, sms.To);
        Assert.Contains(reference, sms.Body);
        Assert.Contains("+8621000000000", sms.Body);
        var alert = await RowAsync<(string Urgency, string Source, string Status)>(
            "SELECT urgency, source, status FROM needs WHERE id = @AlertNeedId", after);
        Assert.Equal(("urgent", "callback", "open"), alert);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE entity = 'callback' AND action = 'unreachable'"));
    }

    [Fact]
    public async Task An_attempt_reported_twice_moves_the_callback_once()
    {
        var callback = await VoicemailCallbackAsync();
        var leg = await StartAttemptAsync(callback.Id);
        await leg.Status("busy");
        await leg.Status("busy");
        await leg.Status("no-answer");

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal((1, "busy"), (after!.Failures, after.LastResult));
    }

    [Fact]
    public async Task An_attempt_whose_call_Twilio_refused_is_settled_by_the_sweep()
    {
        var callback = await VoicemailCallbackAsync();
        var leg = await StartAttemptAsync(callback.Id);
        // CallDeliveryJob marks a refused call failed; no status callback ever comes for it.
        await ExecuteAsync("UPDATE calls SET status = 'failed', ended_at = now() - interval '2 minutes' WHERE id = @CallId", leg);

        await Service<CallbackSweeper>().SweepAsync(CancellationToken.None);

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "failed", 1), (after!.Status, after.LastResult, after.Failures));
    }

    [Fact]
    public async Task An_attempt_whose_end_was_never_reported_goes_back_in_line_after_hours_without_counting_against_the_resident()
    {
        var callback = await VoicemailCallbackAsync();
        var leg = await StartAttemptAsync(callback.Id);
        await leg.Status("ringing");
        await ExecuteAsync("UPDATE callback_attempts SET started_at = now() - interval '3 hours'");

        await Service<CallbackSweeper>().SweepAsync(CancellationToken.None);

        var after = await CallbackForAsync(callback.Phone);
        Assert.Equal(("pending", "lost", 0), (after!.Status, after.LastResult, after.Failures));
    }

    async Task WaitUntilDueAsync(long callbackId)
    {
        var due = await ScalarAsync<DateTime>("SELECT due_at FROM callbacks WHERE id = @callbackId", new { callbackId });
        var wait = due - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait + TimeSpan.FromMilliseconds(50));
        }
    }
}
