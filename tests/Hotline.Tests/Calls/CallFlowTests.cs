using Hotline.Tests.Support;

namespace Hotline.Tests.Calls;

public sealed class CallFlowTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    Task OperatorOnDutyAsync() => ExecuteAsync(
        "INSERT INTO staff (username, display_name, role, password_hash, on_duty) VALUES ('op', 'Op', 'operator', 'x', true)");

    [Fact]
    public async Task Unknown_caller_hears_the_emergency_notice_in_every_language_and_is_asked_to_choose_one()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());

        var answer = await caller.Dial();

        Assert.Contains("120", answer.SaidText);
        Assert.Contains("普通话请按1", answer.SaidText);
        Assert.Contains("For English, press 2", answer.SaidText);
        Assert.Equal("/twilio/voice/language", answer.Attribute("Gather", "action"));
        Assert.Equal("language", await ScalarAsync<string>("SELECT stage FROM calls WHERE call_sid = @CallSid", new { caller.CallSid }));
        Assert.Equal("incoming", await ScalarAsync<string>("SELECT kind FROM call_events ORDER BY id LIMIT 1"));
    }

    [Fact]
    public async Task Chosen_language_is_remembered_so_the_next_call_goes_straight_to_the_menu()
    {
        var phone = Caller.NewPhone();
        var first = new Caller(Twilio, phone);
        await first.Dial();

        var menu = await first.Press("/twilio/voice/language", "2");
        Assert.Contains("For medicine, press 2", menu.SaidText);
        // The caller is now a resident with that language, and the call is theirs.
        var (stage, callLanguage, residentLanguage, theirs) = await RowAsync<(string, string, string, bool)>(
            """
            SELECT c.stage, c.language, r.language, c.resident_id = r.id
            FROM calls c JOIN residents r ON r.phone = c.from_phone WHERE c.call_sid = @CallSid
            """, new { first.CallSid });
        Assert.Equal(("menu", residentLanguage, true), (stage, callLanguage, theirs));

        var second = await new Caller(Twilio, phone).Dial();
        Assert.Contains("If a life is in danger", second.SaidText);
        Assert.DoesNotContain("普通话", second.SaidText);
        Assert.StartsWith("/twilio/voice/menu", second.Attribute("Gather", "action"));
    }

    [Fact]
    public async Task Urgent_medical_caller_is_queued_ahead_with_a_need_that_has_a_five_minute_deadline()
    {
        await OperatorOnDutyAsync();
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");

        var answer = await caller.Press("/twilio/voice/menu?attempt=1", "1");

        Assert.Equal("urgent", answer.Twiml.Descendants("Enqueue").Single().Value);
        var need = await RowAsync<(string Reference, string Category, string Urgency, double Minutes)>(
            "SELECT reference, category, urgency, extract(epoch FROM ack_deadline - created_at) / 60 FROM needs");
        Assert.Equal(("urgent_medical", "urgent", 5.0), (need.Category, need.Urgency, Math.Round(need.Minutes)));
        Assert.Contains(string.Join(' ', need.Reference.ToCharArray()), answer.SaidText);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE entity = 'need' AND action = 'opened'"));
    }

    [Fact]
    public async Task Registered_elderly_resident_asking_for_food_is_raised_one_level()
    {
        await OperatorOnDutyAsync();
        var phone = Caller.NewPhone();
        await ExecuteAsync("INSERT INTO residents (phone, language, flags) VALUES (@phone, 'en-US', '{elderly_alone}')", new { phone });
        var caller = new Caller(Twilio, phone);

        var menu = await caller.Dial();
        Assert.StartsWith("/twilio/voice/menu", menu.Attribute("Gather", "action"));
        var answer = await caller.Press("/twilio/voice/menu?attempt=1", "3");

        Assert.Equal("general", answer.Twiml.Descendants("Enqueue").Single().Value);
        Assert.Equal("high", await ScalarAsync<string>("SELECT urgency FROM needs"));
        Assert.Equal(30.0, await ScalarAsync<double>("SELECT round(extract(epoch FROM ack_deadline - created_at) / 60) FROM needs"));
    }

    [Fact]
    public async Task Wrong_keys_reprompt_and_after_two_failures_the_caller_goes_to_an_operator()
    {
        await OperatorOnDutyAsync();
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");

        var retry = await caller.Press("/twilio/voice/menu?attempt=1", "9");
        Assert.Contains("Sorry, we did not get your choice", retry.SaidText);
        Assert.Equal("/twilio/voice/menu?attempt=2", retry.Attribute("Gather", "action"));

        var giveUp = await caller.PostAsync("/twilio/voice/menu?attempt=2&timeout=1");
        Assert.Equal("general", giveUp.Twiml.Descendants("Enqueue").Single().Value);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM needs"));
        Assert.Equal(2, await ScalarAsync<long>("SELECT count(*) FROM call_events WHERE kind = 'menu_invalid'"));
    }

    [Fact]
    public async Task Nobody_on_duty_sends_the_caller_to_voicemail_with_transcription()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");

        var answer = await caller.Press("/twilio/voice/menu?attempt=1", "2");

        Assert.Contains("No one is available", answer.SaidText);
        var record = answer.Twiml.Descendants("Record").Single();
        Assert.Equal("120", record.Attribute("maxLength")?.Value);
        Assert.Equal("true", record.Attribute("transcribe")?.Value);
        Assert.Equal("/twilio/voice/voicemail/transcription", record.Attribute("transcribeCallback")?.Value);
        Assert.Equal("voicemail", await ScalarAsync<string>("SELECT stage FROM calls"));
    }

    [Fact]
    public async Task Waiting_caller_hears_their_position_then_is_offered_a_callback_then_leaves_for_voicemail()
    {
        await OperatorOnDutyAsync();
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "3");

        var early = await caller.PostAsync("/twilio/voice/queue/wait", ("QueuePosition", "3"), ("QueueTime", "10"));
        Assert.Contains("You are number 3 in line", early.SaidText);
        Assert.DoesNotContain("Gather", early.Verbs);

        var later = await caller.PostAsync("/twilio/voice/queue/wait", ("QueuePosition", "2"), ("QueueTime", "70"));
        Assert.Contains("press 1", later.SaidText);
        Assert.Equal("/twilio/voice/queue/callback", later.Attribute("Gather", "action"));

        var tooLong = await caller.PostAsync("/twilio/voice/queue/wait", ("QueuePosition", "2"), ("QueueTime", "600"));
        Assert.Equal(["Leave"], tooLong.Verbs);

        var done = await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "leave"), ("QueueTime", "601"));
        Assert.Contains("sorry to keep you waiting", done.SaidText);
        Assert.Contains("Record", done.Verbs);
    }

    [Fact]
    public async Task Pressing_1_in_the_queue_is_recorded_as_a_callback_request()
    {
        await OperatorOnDutyAsync();
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "4");

        var leave = await caller.Press("/twilio/voice/queue/callback", "1");
        Assert.Equal(["Leave"], leave.Verbs);
        var done = await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "leave"), ("QueueTime", "75"));
        Assert.Contains("We will call you back", done.SaidText);
        await caller.Status("completed", 110);

        Assert.Equal("callback_requested", await ScalarAsync<string>("SELECT outcome FROM calls"));
    }

    [Fact]
    public async Task Pressing_1_is_a_callback_request_even_when_the_hang_up_is_processed_first()
    {
        // The caller presses 1 and hangs up at once: Twilio's status callback and queue action can be handled before
        // the key press's webhook, which must still turn the call into a callback request.
        await OperatorOnDutyAsync();
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "4");
        await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", "70"));
        await caller.Status("completed", 80);
        Assert.Equal("abandoned_in_queue", await ScalarAsync<string>("SELECT outcome FROM calls"));

        await caller.Press("/twilio/voice/queue/callback", "1");

        Assert.Equal("callback_requested", await ScalarAsync<string>("SELECT outcome FROM calls"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM callbacks"));
    }

    [Fact]
    public async Task Caller_who_hangs_up_in_the_queue_is_abandoned_in_queue_and_one_in_the_menu_abandoned_in_ivr()
    {
        await OperatorOnDutyAsync();
        var queued = new Caller(Twilio, Caller.NewPhone());
        await queued.Dial();
        await queued.Press("/twilio/voice/language", "2");
        await queued.Press("/twilio/voice/menu?attempt=1", "3");
        await queued.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", "42"));
        await queued.Status("completed", 60);

        var inMenu = new Caller(Twilio, Caller.NewPhone());
        await inMenu.Dial();
        await inMenu.Status("completed", 8);

        Assert.Equal("abandoned_in_queue", await ScalarAsync<string>("SELECT outcome FROM calls WHERE call_sid = @CallSid", new { queued.CallSid }));
        Assert.Equal(42, await ScalarAsync<int>("SELECT queue_seconds FROM calls WHERE call_sid = @CallSid", new { queued.CallSid }));
        Assert.Equal("abandoned_in_ivr", await ScalarAsync<string>("SELECT outcome FROM calls WHERE call_sid = @CallSid", new { inMenu.CallSid }));
    }

    [Fact]
    public async Task Bridged_caller_is_answered()
    {
        await OperatorOnDutyAsync();
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "1");
        await caller.Press("/twilio/voice/menu?attempt=1", "2");
        var done = await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "12"));
        await caller.Status("completed", 300);

        Assert.Equal(["Hangup"], done.Verbs);
        Assert.Equal("answered", await ScalarAsync<string>("SELECT outcome FROM calls"));
    }

    [Fact]
    public async Task A_queue_result_that_arrives_after_the_final_status_still_sets_the_outcome()
    {
        await OperatorOnDutyAsync();
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "3");
        await caller.Status("completed", 200);
        Assert.Equal("abandoned_in_queue", await ScalarAsync<string>("SELECT outcome FROM calls"));

        await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "30"));

        Assert.Equal("answered", await ScalarAsync<string>("SELECT outcome FROM calls"));
    }
}
