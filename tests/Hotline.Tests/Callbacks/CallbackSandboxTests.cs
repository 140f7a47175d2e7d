extern alias sandbox;
using System.Net;
using System.Net.Http.Json;
using Hotline.Callbacks;
using Hotline.Tests.Support;
using sandbox::Hotline.Sandbox.Calls;
using sandbox::Hotline.Sandbox.Phones;
using Twilio.Clients;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;

namespace Hotline.Tests.Callbacks;

// Whole callbacks with the sandbox playing the residents' and operators' phones.
public sealed class CallbackSandboxTests(HotlineFixture fixture) : CallbackTest(fixture)
{
    PhoneBook Phones => Fixture.Sandbox.Phones;

    Task<Callback?> WaitForCallbackAsync(string phone, Func<Callback, bool> done, double seconds = 30) =>
        Eventually.WaitForAsync(() => CallbackForAsync(phone), c => c is not null && done(c), seconds);

    Task<List<CallbackAttempt>> AttemptsAsync() =>
        Db.QueryListAsync<CallbackAttempt>("SELECT * FROM callback_attempts ORDER BY attempt_no");

    [Fact]
    public async Task Voicemail_then_the_operator_calls_back_and_the_resident_answers_so_the_callback_is_completed()
    {
        const string resident = "+8613800000301";
        const string operatorPhone = "+8613900000301";
        await StaffWithPhoneAsync(Fixture, "op", operatorPhone, onDuty: false);
        var call = await Fixture.Sandbox.Residents.CallAsync(new CallerScript { From = resident, Presses = ["2", "3"], RecordSeconds = 6 });
        Assert.True(call.AllRequestsSucceeded, string.Join("\n", call.Steps));
        var callback = await WaitForCallbackAsync(resident, _ => true);
        Assert.Equal(("pending", "voicemail"), (callback!.Status, callback.Source));

        await ExecuteAsync("UPDATE staff SET on_duty = true");
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/callbacks/{callback.Id}/dial", null)).StatusCode);

        var done = await WaitForCallbackAsync(resident, c => c.Status != "pending" && c.Status != "dialing");
        Assert.Equal(("completed", "connected"), (done!.Status, done.LastResult));
        var reference = await ScalarAsync<string>("SELECT reference FROM needs");
        // The sandbox files a leg under its phone when the leg ends, which can be just after the app hears the result.
        await Eventually.WaitForAsync(() => Task.FromResult(Phones.CallsOf(operatorPhone).Count), n => n > 0);
        var operatorCall = Assert.Single(Phones.CallsOf(operatorPhone));
        Assert.Contains(operatorCall.Said, s => s.Contains($"Call back for {string.Join(' ', reference.ToCharArray())}"));
        var residentCall = Assert.Single(Phones.CallsOf(resident), c => c.Role == "rang");
        var attempt = Assert.Single(await AttemptsAsync());
        Assert.Equal(("connected", residentCall.CallSid), (attempt.Result, attempt.ResidentCallSid));
        Assert.True(attempt.DurationSeconds >= 20);
    }

    [Fact]
    public async Task Busy_then_no_answer_then_answered_follows_the_back_off_and_the_resident_is_put_through()
    {
        const string resident = "+8613800000302";
        const string operatorPhone = "+8613900000302";
        CallbackSettings.Use(Fixture, CallbackMode.Automatic, retrySeconds: [2, 4, 8], minConnectedSeconds: 10);
        await StaffWithPhoneAsync(Fixture, "op", operatorPhone, onDuty: true);
        Phones.SetBehaviour(resident, new PhoneBehaviour { Answer = AnswerMode.Busy });
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/callbacks", new { phone = resident })).StatusCode);

        await Eventually.WaitForAsync(AttemptsAsync, a => a.Count == 1 && a[0].Result is not null);
        Phones.SetBehaviour(resident, new PhoneBehaviour { Answer = AnswerMode.NoAnswer });
        await Eventually.WaitForAsync(AttemptsAsync, a => a.Count == 2 && a[1].Result is not null, seconds: 40);
        Phones.SetBehaviour(resident, new PhoneBehaviour { Answer = AnswerMode.Human, Presses = ["1"], TalkSeconds = 40 });

        // Once the resident waits in the urgent queue, the operator takes the next call from it.
        var third = await Eventually.WaitForAsync(AttemptsAsync, a => a.Count == 3, seconds: 40);
        Assert.Equal(3, third.Count);
        await Eventually.WaitForAsync(() => ScalarAsync<string>("SELECT stage FROM calls WHERE id = @CallId", third[2]), s => s == "queue");
        await TakeNextFromQueueAsync(operatorPhone, "urgent");

        var done = await WaitForCallbackAsync(resident, c => c.Status == "completed", seconds: 40);
        Assert.Equal("completed", done!.Status);
        var attempts = await AttemptsAsync();
        Assert.Equal(["busy", "no-answer", "connected"], attempts.Select(a => a.Result));
        Assert.InRange((attempts[1].StartedAt - attempts[0].EndedAt!.Value).TotalSeconds, 1.5, 20);
        Assert.InRange((attempts[2].StartedAt - attempts[1].EndedAt!.Value).TotalSeconds, 3.5, 20);
        Assert.Equal(3, Phones.CallsOf(resident).Count(c => c.Role == "rang"));
        Assert.Equal("human", attempts[2].AnsweredBy);
    }

    [Fact]
    public async Task When_every_attempt_fails_the_resident_gets_an_sms_with_the_hotline_number_and_the_ladder_texts_the_level_1_supervisor()
    {
        const string resident = "+8613800000303";
        const string supervisorPhone = "+8613900000303";
        const string offDutySupervisorPhone = "+8613900000313";
        CallbackSettings.Use(Fixture, CallbackMode.Automatic, retrySeconds: [1]);
        Phones.SetBehaviour(resident, new PhoneBehaviour { Answer = AnswerMode.Busy });
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator");
        await SupervisorAsync(Fixture, "sup1", supervisorPhone, level: 1, onDuty: true);
        await SupervisorAsync(Fixture, "sup1-off", offDutySupervisorPhone, level: 1, onDuty: false);
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        await client.PostAsJsonAsync("/api/callbacks", new { phone = resident });

        var done = await WaitForCallbackAsync(resident, c => c.Status == "unreachable", seconds: 40);

        Assert.Equal(("unreachable", 4), (done!.Status, done.Failures));
        Assert.Equal(4, Phones.CallsOf(resident).Count(c => c.Status == "busy"));
        var sms = await Eventually.WaitForAsync(() => Task.FromResult(Phones.MessagesTo(resident)), m => m.Count > 0);
        var alertReference = await ScalarAsync<string>("SELECT reference FROM needs WHERE id = @AlertNeedId", done);
        Assert.Contains(HotlineFixture.HotlineNumber, Assert.Single(sms).Body);
        Assert.Contains(alertReference, sms[0].Body);

        // The escalation ladder, not a need left for someone to notice: the on-duty level-1 supervisor's phone gets
        // its SMS straight away, naming the alert need; the supervisor off duty gets nothing.
        var alert = (await Eventually.WaitForAsync(() => Task.FromResult(Phones.MessagesTo(supervisorPhone)), m => m.Count > 0))[0];
        Assert.StartsWith($"URGENT: need {alertReference} (", alert.Body);
        Assert.Contains($"Reply ACK {alertReference}", alert.Body);
        Assert.Empty(Phones.MessagesTo(offDutySupervisorPhone));
    }

    [Fact]
    public async Task An_answering_machine_is_hung_up_on_and_the_callback_retried()
    {
        const string resident = "+8613800000304";
        CallbackSettings.Use(Fixture, CallbackMode.Automatic, retrySeconds: [600]);
        Phones.SetBehaviour(resident, new PhoneBehaviour { Answer = AnswerMode.Machine });
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        await client.PostAsJsonAsync("/api/callbacks", new { phone = resident });

        var after = await WaitForCallbackAsync(resident, c => c.LastResult is not null);

        Assert.Equal(("pending", "machine", 1), (after!.Status, after.LastResult, after.Failures));
        Assert.Empty(Assert.Single(Phones.CallsOf(resident)).Said);
    }

    [Fact]
    public async Task Automatic_callback_while_nobody_is_on_duty_takes_a_message_and_leaves_the_callback_to_an_operator()
    {
        const string resident = "+8613800000305";
        CallbackSettings.Use(Fixture, CallbackMode.Automatic);
        Phones.SetBehaviour(resident, new PhoneBehaviour { Presses = ["1"], SpeakSeconds = 8, Transcript = "Still need insulin" });
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        await client.PostAsJsonAsync("/api/callbacks", new { phone = resident });

        var after = await WaitForCallbackAsync(resident, c => c.LastResult is not null);

        Assert.Equal(("pending", "left_message", true, 0), (after!.Status, after.LastResult, after.WaitForOperator, after.Failures));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM voicemails"));
        // The job leaves it alone from now on: only a person can help.
        await Service<CallbackSweeper>().SweepAsync(CancellationToken.None);
        await Task.Delay(500);
        Assert.Single(await AttemptsAsync());
    }

    // What "take next call" does: the operator's phone rings and its TwiML takes the front caller of the queue.
    async Task TakeNextFromQueueAsync(string operatorPhone, string queue)
    {
        var twilio = new TwilioRestClient(HotlineFixture.AccountSid, HotlineFixture.AuthToken,
            httpClient: new SystemNetHttpClient(Fixture.Sandbox.CreateTwilioHttpClient()));
        await CallResource.CreateAsync(
            to: new Twilio.Types.PhoneNumber(operatorPhone), from: new Twilio.Types.PhoneNumber(HotlineFixture.HotlineNumber),
            twiml: new Twilio.Types.Twiml($"<Response><Dial timeout=\"60\"><Queue>{queue}</Queue></Dial></Response>"), client: twilio);
    }
}
