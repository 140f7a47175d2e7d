using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Phones;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Hotline.Sandbox.Tests.Calls;

// Calls the app places through the REST API, played against the called phone's behaviour.
public sealed class OutboundCallTests : IAsyncLifetime
{
    private const string Resident = "+8613800000010";
    private SandboxHarness h = null!;

    public async Task InitializeAsync() => h = await SandboxHarness.StartAsync();

    public async Task DisposeAsync() => await h.DisposeAsync();

    private async Task<CallTranscript> PlaceAsync(string to, string? machineDetection = null)
    {
        var call = await CallResource.CreateAsync(
            to: new PhoneNumber(to),
            from: new PhoneNumber("+15005550006"),
            url: new Uri("http://localhost/outbound"),
            statusCallback: new Uri("http://localhost/status/call"),
            statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
            machineDetection: machineDetection,
            client: h.Twilio);
        return await h.Server.Calls.WaitAsync(call.Sid, SandboxHarness.Timeout());
    }

    [Fact]
    public async Task Answered_call_runs_the_twiml_with_the_phones_digits_and_numbers_its_status_callbacks()
    {
        h.Server.Phones.SetBehaviour(Resident, new PhoneBehaviour { Presses = ["2"] });
        h.App.Map("/outbound", """
            <Response><Gather numDigits="1" action="/answer"><Say>Press 1 if you are well, 2 if you need help</Say></Gather></Response>
            """);
        h.App.Map("/answer", f => $"<Response><Say>You pressed {f["Digits"]}</Say><Hangup/></Response>");

        var call = await PlaceAsync(Resident);

        Assert.Equal("completed", call.Status);
        Assert.Equal("2", Assert.Single(h.App.HitsTo("/answer"))["Digits"]);
        var url = Assert.Single(h.App.HitsTo("/outbound"));
        Assert.Equal("in-progress", url["CallStatus"]);
        Assert.Equal("outbound-api", url["Direction"]);
        Assert.Equal(Resident, url["To"]);

        var callbacks = h.App.HitsTo("/status/call");
        Assert.Equal(["initiated", "ringing", "in-progress", "completed"], callbacks.Select(c => c["CallStatus"]));
        Assert.Equal(["0", "1", "2", "3"], callbacks.Select(c => c["SequenceNumber"]));
        Assert.All(callbacks, c => Assert.Equal(call.CallSid, c["CallSid"]));
        Assert.All(callbacks, c => Assert.NotNull(c["Timestamp"]));
        Assert.NotNull(callbacks[^1]["CallDuration"]);
        Assert.All(h.App.Hits, hit => Assert.True(hit.SignatureValid, $"bad signature on {hit.Path}"));

        var rang = Assert.Single(h.Server.Phones.CallsOf(Resident));
        Assert.Equal("rang", rang.Role);
        Assert.Equal("2", rang.DigitsPressed);
        Assert.Equal(["Press 1 if you are well, 2 if you need help", "You pressed 2"], rang.Said);
    }

    [Theory]
    [InlineData(AnswerMode.NoAnswer, "no-answer")]
    [InlineData(AnswerMode.Busy, "busy")]
    [InlineData(AnswerMode.Failed, "failed")]
    public async Task Unanswered_calls_end_with_twilios_status_and_never_fetch_the_twiml(AnswerMode mode, string status)
    {
        h.Server.Phones.SetBehaviour(Resident, new PhoneBehaviour { Answer = mode });

        var call = await PlaceAsync(Resident);

        Assert.Equal(status, call.Status);
        Assert.Empty(h.App.HitsTo("/outbound"));
        var completed = h.App.HitsTo("/status/call")[^1];
        Assert.Equal(status, completed["CallStatus"]);
        Assert.Equal("0", completed["CallDuration"]);
        Assert.Equal(status, Assert.Single(h.Server.Phones.CallsOf(Resident)).Status);
    }

    [Fact]
    public async Task Machine_detection_reports_who_answered()
    {
        h.Server.Phones.SetBehaviour(Resident, new PhoneBehaviour { Answer = AnswerMode.Machine });
        h.App.Map("/outbound", "<Response><Say>Hello</Say></Response>");

        await PlaceAsync(Resident, machineDetection: "Enable");

        Assert.Equal("machine_start", Assert.Single(h.App.HitsTo("/outbound"))["AnsweredBy"]);
        Assert.Equal("machine_start", h.App.HitsTo("/status/call")[^1]["AnsweredBy"]);
    }

    [Fact]
    public async Task Phone_hanging_up_mid_call_ends_it_from_the_callers_side()
    {
        h.Server.Phones.SetBehaviour(Resident, new PhoneBehaviour { HangupAfterSeconds = 3 });
        h.App.Map("/outbound", "<Response><Say>Hello</Say><Pause length=\"30\"/><Say>Still there?</Say></Response>");

        var call = await PlaceAsync(Resident);

        Assert.Equal("caller", call.EndedBy);
        Assert.DoesNotContain("Still there?", call.Said);
    }

    [Fact]
    public async Task Operator_leg_dialing_a_queue_bridges_the_front_caller()
    {
        const string operatorPhone = "+8613900000001";
        h.Server.Phones.SetBehaviour(operatorPhone, new PhoneBehaviour { TalkSeconds = 120 });
        h.App.Map("/twilio/voice/incoming", """<Response><Enqueue waitUrl="/wait" action="/after-queue">urgent</Enqueue></Response>""");
        h.App.Map("/wait", "<Response><Say>Please hold</Say><Pause length=\"5\"/></Response>");
        h.App.Map("/after-queue", "<Response><Say>never heard: the caller hung up</Say></Response>");
        h.App.Map("/outbound", """<Response><Say>Next caller</Say><Dial action="/dial-done"><Queue>urgent</Queue></Dial></Response>""");
        h.App.Map("/dial-done", "<Response><Say>Call ended</Say></Response>");

        var resident = h.Server.Residents.CallAsync(new CallerScript { From = Resident, TalkSeconds = 20 }, SandboxHarness.Timeout());
        var queue = h.Server.Sandbox.Queues.Get(TwimlApp.AccountSid, "urgent");
        while (queue.Size == 0)
        {
            await Task.Delay(10, SandboxHarness.Timeout());
        }

        var operatorCall = await PlaceAsync(operatorPhone);
        var residentCall = await resident;

        var after = Assert.Single(h.App.HitsTo("/after-queue"));
        Assert.Equal("bridged", after["QueueResult"]);
        Assert.Equal("caller", residentCall.EndedBy);
        Assert.DoesNotContain("never heard: the caller hung up", residentCall.Said);

        var dial = Assert.Single(h.App.HitsTo("/dial-done"));
        Assert.Equal("completed", dial["DialCallStatus"]);
        Assert.Equal(residentCall.CallSid, dial["DialCallSid"]);
        Assert.True(int.Parse(dial["DialCallDuration"]!) > 0);
        Assert.Contains("Call ended", operatorCall.Said);
        Assert.Equal(0, queue.Size);
    }

    [Fact]
    public async Task Dial_number_rings_the_phone_and_reports_busy()
    {
        h.Server.Phones.SetBehaviour("+8613900000002", new PhoneBehaviour { Answer = AnswerMode.Busy });
        h.App.Map("/outbound", """<Response><Dial action="/dial-done"><Number>+8613900000002</Number></Dial></Response>""");
        h.App.Map("/dial-done", "<Response/>");

        await PlaceAsync(Resident);

        Assert.Equal("busy", Assert.Single(h.App.HitsTo("/dial-done"))["DialCallStatus"]);
        Assert.Equal("busy", Assert.Single(h.Server.Phones.CallsOf("+8613900000002")).Status);
    }

    [Fact]
    public async Task Dial_number_bridges_an_answering_phone_after_its_whisper()
    {
        const string callee = "+8613900000003";
        h.Server.Phones.SetBehaviour(callee, new PhoneBehaviour { Presses = ["1"], TalkSeconds = 15 });
        h.Server.Phones.SetBehaviour(Resident, new PhoneBehaviour { TalkSeconds = 300 });
        h.App.Map("/outbound", """<Response><Dial action="/dial-done" timeout="20"><Number url="/whisper">+8613900000003</Number></Dial></Response>""");
        h.App.Map("/whisper", """<Response><Gather numDigits="1" action="/whisper-key"><Say>Press 1 to take the call</Say></Gather><Hangup/></Response>""");
        h.App.Map("/whisper-key", "<Response/>");
        h.App.Map("/dial-done", "<Response><Say>Goodbye</Say></Response>");

        var call = await PlaceAsync(Resident);

        var dial = Assert.Single(h.App.HitsTo("/dial-done"));
        Assert.Equal("completed", dial["DialCallStatus"]);
        Assert.True(int.Parse(dial["DialCallDuration"]!) > 0);
        Assert.Equal("1", Assert.Single(h.App.HitsTo("/whisper-key"))["Digits"]);
        Assert.Equal("outbound-dial", h.App.HitsTo("/whisper")[0]["Direction"]);
        Assert.Equal(call.CallSid, h.App.HitsTo("/whisper")[0]["ParentCallSid"]);
        Assert.Contains("Goodbye", call.Said);
        var leg = Assert.Single(h.Server.Phones.CallsOf(callee));
        Assert.Equal(["Press 1 to take the call"], leg.Said);
    }

    [Fact]
    public async Task Rejected_inbound_call_reports_busy()
    {
        h.App.Map("/twilio/voice/incoming", """<Response><Reject reason="busy"/></Response>""");

        var call = await h.Server.Residents.CallAsync(new CallerScript { From = Resident }, SandboxHarness.Timeout());

        Assert.Equal("busy", call.Status);
        Assert.Equal("busy", Assert.Single(h.App.HitsTo("/twilio/voice/status"))["CallStatus"]);
    }
}
