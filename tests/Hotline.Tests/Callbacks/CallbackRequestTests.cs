using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Tests.Support;

namespace Hotline.Tests.Callbacks;

public sealed class CallbackRequestTests(HotlineFixture fixture) : CallbackTest(fixture)
{
    [Fact]
    public async Task A_voicemail_opens_a_callback_that_keeps_the_time_of_the_call()
    {
        var caller = await CallerWithNeedAsync();
        await caller.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE1"), ("RecordingDuration", "12"));
        await caller.Status("completed", 50);

        var callback = await CallbackForAsync(caller.From);
        Assert.NotNull(callback);
        Assert.Equal(("pending", "voicemail", "normal", 1), (callback.Status, callback.Source, callback.Urgency, callback.Requests));
        Assert.Equal(await ScalarAsync<DateTime>("SELECT started_at FROM calls"), callback.PlaceAt);
        Assert.Equal(await ScalarAsync<long>("SELECT id FROM needs"), callback.NeedId);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM callback_events WHERE kind = 'opened'"));
    }

    [Fact]
    public async Task A_caller_who_hangs_up_in_the_queue_gets_a_callback()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var caller = await CallerWithNeedAsync(category: "1");
        await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", "40"));
        await caller.Status("completed", 70);

        var callback = await CallbackForAsync(caller.From);
        Assert.Equal(("abandoned_in_queue", "urgent"), (callback!.Source, callback.Urgency));
    }

    [Fact]
    public async Task A_caller_reported_gone_before_the_queue_says_they_were_put_through_is_not_called_back()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var caller = await CallerWithNeedAsync(category: "1");
        // Out of order: the final status first, so the call looks abandoned in the queue...
        await caller.Status("completed", 120);
        Assert.Equal(("pending", "abandoned_in_queue"), ((await CallbackForAsync(caller.From))!.Status, (await CallbackForAsync(caller.From))!.Source));

        // ...then the queue's action: an operator took the call.
        await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "40"));

        var callback = await CallbackForAsync(caller.From);
        Assert.Equal(("cancelled", "answered: the caller was put through to an operator"), (callback!.Status, callback.CloseReason));
        Assert.Equal("answered", await ScalarAsync<string>("SELECT outcome FROM calls"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE entity = 'callback' AND action = 'cancelled'"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'callback_withdrawn'"));
    }

    [Fact]
    public async Task A_put_through_call_leaves_an_earlier_callback_it_merged_into_open()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var phone = Caller.NewPhone();
        var first = await CallerWithNeedAsync(phone);
        await first.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", "40"));
        await first.Status("completed", 70);
        var second = await CallerWithNeedAsync(phone);
        await second.Status("completed", 120);
        await second.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "30"));

        var callback = await CallbackForAsync(phone);
        Assert.Equal(("pending", 2), (callback!.Status, callback.Requests));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM callback_events WHERE kind = 'request_answered'"));
    }

    [Fact]
    public async Task A_caller_who_hangs_up_in_the_menu_gets_a_callback_only_after_stating_a_need()
    {
        var stated = await CallerWithNeedAsync();
        await Twilio.PostAsync("/twilio/voice/status", stated.Form(("CallStatus", "completed"), ("SequenceNumber", "9"), ("CallDuration", "20")));
        var silent = new Caller(Twilio, Caller.NewPhone());
        await silent.Dial();
        await silent.Status("completed", 8);

        Assert.Equal("abandoned_in_ivr", (await CallbackForAsync(stated.From))!.Source);
        Assert.Null(await CallbackForAsync(silent.From));
    }

    [Fact]
    public async Task Pressing_1_in_the_queue_keeps_the_callers_place_ahead_of_a_later_caller()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var first = await CallerWithNeedAsync();
        var later = await CallerWithNeedAsync();

        var pressed = await first.Press("/twilio/voice/queue/callback", "1");
        Assert.Equal(["Leave"], pressed.Verbs);
        var confirmed = await first.PostAsync("/twilio/voice/queue/done", ("QueueResult", "leave"), ("QueueTime", "70"));
        Assert.Contains("We will call you back in your turn", confirmed.SaidText);
        await first.Status("completed", 90);

        var callback = await CallbackForAsync(first.From);
        Assert.Equal(("queue_request", 1), (callback!.Source, callback.Requests));

        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var next = await client.GetFromJsonAsync<JsonElement>("/api/callbacks/next");
        Assert.Equal(callback.Id, next.GetProperty("next").GetProperty("callback").GetProperty("id").GetInt64());
        Assert.Equal(await ScalarAsync<long>("SELECT id FROM calls WHERE call_sid = @CallSid", new { later.CallSid }),
            next.GetProperty("waitingCaller").GetProperty("callId").GetInt64());
        Assert.False(next.GetProperty("waitingCallerFirst").GetBoolean());
    }

    [Fact]
    public async Task The_same_key_press_delivered_six_times_at_once_opens_one_callback_with_one_request()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var caller = await CallerWithNeedAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => caller.Press("/twilio/voice/queue/callback", "1")));

        Assert.All(answers, answer => Assert.Equal(["Leave"], answer.Verbs));
        // Each delivery was handled there and then: one that failed would have been journaled, answered the same way
        // and written later as replayed.
        Assert.Equal(6, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'callback_requested' AND NOT replayed"));
        var callback = await CallbackForAsync(caller.From);
        Assert.Equal(("queue_request", 1), (callback!.Source, callback.Requests));
        Assert.Equal(["opened"], await Db.QueryKindsAsync(callback.Id));
    }

    [Fact]
    public async Task A_caller_who_called_before_the_callbacks_caller_and_still_waits_is_taken_first()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var earlier = await CallerWithNeedAsync();
        var requester = await CallerWithNeedAsync();
        await requester.Press("/twilio/voice/queue/callback", "1");

        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var next = await client.GetFromJsonAsync<JsonElement>("/api/callbacks/next");

        Assert.True(next.GetProperty("waitingCallerFirst").GetBoolean());
        Assert.Equal(await ScalarAsync<long>("SELECT id FROM calls WHERE call_sid = @CallSid", new { earlier.CallSid }),
            next.GetProperty("waitingCaller").GetProperty("callId").GetInt64());
    }

    [Fact]
    public async Task A_second_request_from_the_same_number_merges_keeping_the_earlier_place_and_the_higher_urgency()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var phone = Caller.NewPhone();
        var first = await CallerWithNeedAsync(phone, category: "3");
        await first.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE10"));
        await first.Status("completed", 40);
        var second = await CallerWithNeedAsync(phone, category: "1");
        await second.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", "10"));
        await second.Status("completed", 30);
        // Twilio repeats itself: the same call reported again is not another request.
        await Twilio.PostAsync("/twilio/voice/status", second.Form(("CallStatus", "completed"), ("SequenceNumber", "7"), ("CallDuration", "30")));

        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM callbacks"));
        var callback = await CallbackForAsync(phone);
        Assert.Equal(("urgent", 2, "voicemail"), (callback!.Urgency, callback.Requests, callback.Source));
        Assert.Equal(await ScalarAsync<DateTime>("SELECT started_at FROM calls WHERE call_sid = @CallSid", new { first.CallSid }), callback.PlaceAt);
        Assert.Equal(["opened", "merged"], (await Db.QueryKindsAsync(callback.Id)));
    }

    [Fact]
    public async Task A_callback_can_be_requested_again_once_the_last_one_is_closed()
    {
        var phone = Caller.NewPhone();
        var first = await CallerWithNeedAsync(phone);
        await first.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE20"));
        await ExecuteAsync("UPDATE callbacks SET status = 'completed', closed_at = now()");
        var second = await CallerWithNeedAsync(phone);
        await second.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE21"));

        Assert.Equal(["completed", "pending"], (await Db.QueryListAsync<string>("SELECT status FROM callbacks ORDER BY id")));
    }
}

static class CallbackQueries
{
    public static async Task<List<string>> QueryKindsAsync(this Npgsql.NpgsqlDataSource db, long callbackId) =>
        await db.QueryListAsync<string>("SELECT kind FROM callback_events WHERE callback_id = @callbackId ORDER BY id", new { callbackId });

    public static async Task<List<T>> QueryListAsync<T>(this Npgsql.NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await Dapper.SqlMapper.QueryAsync<T>(conn, sql, args)).ToList();
    }
}
