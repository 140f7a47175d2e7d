using Hotline.Sandbox.Calls;

namespace Hotline.Sandbox.Tests.Twiml;

// The TwiML interpreter driven by scripted resident calls against an in-test TwiML app.
public sealed class InboundCallTests : IAsyncLifetime
{
    private SandboxHarness h = null!;

    public async Task InitializeAsync() => h = await SandboxHarness.StartAsync();

    public async Task DisposeAsync() => await h.DisposeAsync();

    private Task<CallTranscript> CallAsync(CallerScript script) => h.Server.Residents.CallAsync(script, SandboxHarness.Timeout());

    [Fact]
    public async Task Gather_posts_the_pressed_digits_to_its_action_and_runs_the_answer()
    {
        h.App.Map("/twilio/voice/incoming", """
            <Response>
              <Gather numDigits="1" action="menu" timeout="3"><Say language="zh-CN">请按 1</Say></Gather>
              <Say>We did not get your choice.</Say>
            </Response>
            """);
        h.App.Map("/twilio/voice/menu", f => $"<Response><Say>You pressed {f["Digits"]}</Say><Hangup/></Response>");

        var call = await CallAsync(new CallerScript { From = "+8613800000001", Presses = ["1"] });

        Assert.Equal(["请按 1", "You pressed 1"], call.Said);
        Assert.Equal(["1"], call.DigitsPressed);
        Assert.Equal("zh-CN", call.Steps.First(s => s.Kind == "say").Detail);
        Assert.Equal("completed", call.Status);

        var incoming = Assert.Single(h.App.HitsTo("/twilio/voice/incoming"));
        Assert.Equal("ringing", incoming["CallStatus"]);
        Assert.Equal("inbound", incoming["Direction"]);
        Assert.Equal("+8613800000001", incoming["From"]);
        Assert.Equal(h.Server.Sandbox.Options.HotlineNumber, incoming["To"]);
        Assert.Equal(call.CallSid, incoming["CallSid"]);
        Assert.Equal("1", Assert.Single(h.App.HitsTo("/twilio/voice/menu"))["Digits"]);

        var status = Assert.Single(h.App.HitsTo("/twilio/voice/status"));
        Assert.Equal("completed", status["CallStatus"]);
        Assert.Equal("0", status["SequenceNumber"]);
        Assert.NotNull(status["CallDuration"]);

        Assert.All(h.App.Hits, hit => Assert.True(hit.SignatureValid, $"bad signature on {hit.Path}"));
        Assert.Equal(h.App.Hits.Count, h.App.Hits.Select(x => x.IdempotencyToken).Distinct().Count());
    }

    [Fact]
    public async Task Gather_without_input_falls_through_or_posts_empty_digits_when_asked()
    {
        h.App.Map("/twilio/voice/incoming", """
            <Response>
              <Gather numDigits="1" action="/first" timeout="2"><Say>Choose</Say></Gather>
              <Gather numDigits="1" action="/second" timeout="2" actionOnEmptyResult="true"><Say>Choose again</Say></Gather>
            </Response>
            """);
        h.App.Map("/second", f => $"<Response><Say>Digits were '{f["Digits"]}'</Say></Response>");

        var call = await CallAsync(new CallerScript { Presses = ["none"] });

        Assert.Empty(h.App.HitsTo("/first"));
        Assert.Equal("", Assert.Single(h.App.HitsTo("/second"))["Digits"]);
        Assert.Equal(["Choose", "Choose again", "Digits were ''"], call.Said);
    }

    [Fact]
    public async Task Enqueue_waits_then_leave_continues_with_the_action()
    {
        h.App.Map("/twilio/voice/incoming", """<Response><Enqueue waitUrl="/wait" action="/after-queue">general</Enqueue></Response>""");
        h.App.Map("/wait", f => $"""
            <Response>
              <Say>You are number {f["QueuePosition"]} in line</Say>
              <Gather numDigits="1" action="/wait-key" timeout="3"><Say>Press 1 for a callback</Say></Gather>
            </Response>
            """);
        h.App.Map("/wait-key", f => f["Digits"] == "1" ? "<Response><Leave/></Response>" : "<Response/>");
        h.App.Map("/after-queue", f => $"<Response><Say>Queue result {f["QueueResult"]}</Say></Response>");

        var call = await CallAsync(new CallerScript { PressInQueue = "1" });

        Assert.Contains("You are number 1 in line", call.Said);
        Assert.Equal("Queue result leave", call.Said[^1]);
        var wait = h.App.HitsTo("/wait")[0];
        Assert.Equal("1", wait["QueuePosition"]);
        Assert.Equal("1", wait["CurrentQueueSize"]);
        Assert.NotNull(wait["QueueTime"]);
        Assert.NotNull(wait["AvgQueueTime"]);
        Assert.StartsWith("QU", wait["QueueSid"]);
        var after = Assert.Single(h.App.HitsTo("/after-queue"));
        Assert.Equal("leave", after["QueueResult"]);
        Assert.Equal(wait["QueueSid"], after["QueueSid"]);
        Assert.Equal(0, h.Server.Sandbox.Queues.Get(TwimlApp.AccountSid, "general").Size);
    }

    [Fact]
    public async Task Caller_hanging_up_in_the_queue_posts_the_action_with_hangup()
    {
        h.App.Map("/twilio/voice/incoming", """<Response><Enqueue waitUrl="/wait" action="/after-queue">general</Enqueue></Response>""");
        h.App.Map("/wait", "<Response><Say>Please hold</Say><Pause length=\"4\"/></Response>");
        h.App.Map("/after-queue", "<Response><Say>never heard</Say></Response>");

        var call = await CallAsync(new CallerScript { HangupAfterSeconds = 150 });

        Assert.Equal("caller", call.EndedBy);
        Assert.True(h.App.HitsTo("/wait").Count >= 2, "the wait URL is requested again when its document ends");
        Assert.Equal("hangup", Assert.Single(h.App.HitsTo("/after-queue"))["QueueResult"]);
        Assert.DoesNotContain("never heard", call.Said);
        Assert.Equal("completed", Assert.Single(h.App.HitsTo("/twilio/voice/status"))["CallStatus"]);
    }

    [Fact]
    public async Task Record_posts_the_action_then_recording_and_transcription_callbacks()
    {
        h.App.Map("/twilio/voice/incoming", """
            <Response>
              <Say>Leave a message after the tone</Say>
              <Record action="/recorded" maxLength="60" recordingStatusCallback="/status/recording"
                      transcribe="true" transcribeCallback="/status/transcription"/>
            </Response>
            """);
        h.App.Map("/recorded", "<Response><Say>Thank you</Say></Response>");

        var call = await CallAsync(new CallerScript { RecordSeconds = 10, RecordTranscript = "I need insulin" });

        var recorded = Assert.Single(h.App.HitsTo("/recorded"));
        Assert.Equal("10", recorded["RecordingDuration"]);
        Assert.Matches("^RE[0-9a-f]{32}$", recorded["RecordingSid"]);
        Assert.Equal(h.Server.Sandbox.RecordingUrl(recorded["RecordingSid"]!), recorded["RecordingUrl"]);
        Assert.StartsWith(h.Server.BaseAddress.AbsoluteUri, recorded["RecordingUrl"]);
        Assert.Equal("Thank you", call.Said[^1]);

        var status = Assert.Single(h.App.HitsTo("/status/recording"));
        Assert.Equal("completed", status["RecordingStatus"]);
        Assert.Equal(recorded["RecordingSid"], status["RecordingSid"]);

        var transcription = Assert.Single(h.App.HitsTo("/status/transcription"));
        Assert.Equal("completed", transcription["TranscriptionStatus"]);
        Assert.Equal("I need insulin", transcription["TranscriptionText"]);
        Assert.Equal(recorded["RecordingSid"], transcription["RecordingSid"]);

        using var http = new HttpClient();
        var wav = await http.GetByteArrayAsync(recorded["RecordingUrl"]);
        Assert.Equal("RIFF"u8.ToArray(), wav[..4]);
    }

    [Fact]
    public async Task Empty_recording_skips_the_action_and_short_ones_are_not_transcribed()
    {
        h.App.Map("/twilio/voice/incoming", """
            <Response>
              <Record action="/recorded" timeout="2" transcribeCallback="/status/transcription"/>
              <Say>Nothing was recorded</Say>
            </Response>
            """);

        var call = await CallAsync(new CallerScript { RecordSeconds = 0 });

        Assert.Empty(h.App.HitsTo("/recorded"));
        Assert.Empty(h.App.HitsTo("/status/transcription"));
        Assert.Equal(["Nothing was recorded"], call.Said);
    }

    [Fact]
    public async Task Redirect_resolves_relative_urls_against_the_current_document()
    {
        h.App.Map("/twilio/voice/incoming", "<Response><Redirect>next</Redirect></Response>");
        h.App.Map("/twilio/voice/next", "<Response><Say>Redirected</Say></Response>");

        var call = await CallAsync(new CallerScript());

        Assert.Equal(["Redirected"], call.Said);
    }

    [Fact]
    public async Task Hanging_up_at_a_named_point_stops_the_call_there()
    {
        h.App.Map("/twilio/voice/incoming", """
            <Response><Say>Welcome</Say><Gather action="/menu"><Say>Choose</Say></Gather></Response>
            """);

        var call = await CallAsync(new CallerScript { Presses = ["1"], HangupAt = "gather" });

        Assert.Equal(["Welcome"], call.Said);
        Assert.Empty(h.App.HitsTo("/menu"));
        Assert.Equal("caller", call.EndedBy);
    }

    [Fact]
    public async Task Failed_voice_url_requests_the_fallback_url_whose_document_carries_on_the_call()
    {
        h.Server.Sandbox.Options.VoiceFallbackUrl = "http://backup.local/twilio/voice/fallback";
        h.App.Map("/twilio/voice/fallback", """
            <Response><Gather numDigits="1" action="menu" timeout="3"><Say>Backup menu</Say></Gather></Response>
            """);
        h.App.Map("/twilio/voice/menu", f => $"<Response><Say>Backup got {f["Digits"]}</Say></Response>");

        var call = await CallAsync(new CallerScript { From = "+8613800000002", Presses = ["3"] });

        Assert.Equal(["Backup menu", "Backup got 3"], call.Said);
        Assert.Equal(404, call.Requests[0].Status);
        var fallback = Assert.Single(h.App.HitsTo("/twilio/voice/fallback"));
        Assert.Equal("11200", fallback["ErrorCode"]);
        Assert.Equal("http://localhost/twilio/voice/incoming", fallback["ErrorUrl"]);
        Assert.Equal(call.CallSid, fallback["CallSid"]);
        Assert.Equal("+8613800000002", fallback["From"]);
        Assert.True(fallback.SignatureValid);
        // Relative action URLs now resolve against the fallback's host, not the failed primary.
        Assert.Equal("http://backup.local/twilio/voice/menu", call.Requests.Single(r => r.Param("Digits") == "3").Url);
    }

    [Fact]
    public async Task Failed_action_mid_call_falls_back_with_the_action_parameters_and_a_failed_fallback_ends_the_call()
    {
        h.Server.Sandbox.Options.VoiceFallbackUrl = "/twilio/voice/fallback";
        h.App.Map("/twilio/voice/incoming", """<Response><Gather numDigits="1" action="/gone"><Say>Choose</Say></Gather></Response>""");
        h.App.Map("/twilio/voice/fallback", f => $"<Response><Say>Fallback for {f["ErrorUrl"]} with {f["Digits"]}</Say></Response>");

        var call = await CallAsync(new CallerScript { Presses = ["2"] });

        Assert.Equal(["Choose", "Fallback for http://localhost/gone with 2"], call.Said);

        h.App.Map("/twilio/voice/fallback", "not TwiML");
        var failed = await CallAsync(new CallerScript { Presses = ["2"] });

        Assert.Equal(2, h.App.HitsTo("/twilio/voice/fallback").Count);
        Assert.Contains("application error", failed.Said.Last());
    }

    [Fact]
    public async Task App_error_is_announced_and_ends_the_call()
    {
        var call = await CallAsync(new CallerScript());

        Assert.Equal(404, call.Requests[0].Status);
        Assert.Contains("application error", call.Said.Single());
        Assert.Equal("completed", Assert.Single(h.App.HitsTo("/twilio/voice/status"))["CallStatus"]);
    }

    [Fact]
    public async Task Sms_reply_is_delivered_to_the_resident()
    {
        h.App.Map("/twilio/sms/incoming", f => $"<Response><Message>Got it: {f["Body"]}. Reference N-42</Message></Response>");

        var sms = await h.Server.Residents.SendSmsAsync("+8613800000009", "need medicine", SandboxHarness.Timeout());

        var hit = Assert.Single(h.App.HitsTo("/twilio/sms/incoming"));
        Assert.True(hit.SignatureValid);
        Assert.Equal("0", hit["NumMedia"]);
        Assert.Equal(sms.MessageSid, hit["MessageSid"]);
        var reply = Assert.Single(h.Server.Phones.MessagesTo("+8613800000009"));
        Assert.Equal("Got it: need medicine. Reference N-42", reply.Body);
        Assert.Equal("twiml", reply.Via);
    }

    [Fact]
    public async Task Failed_sms_url_posts_the_message_to_the_sms_fallback_url()
    {
        h.Server.Sandbox.Options.SmsFallbackUrl = "http://backup.local/twilio/sms/backup";
        h.App.Map("/twilio/sms/backup", f => $"<Response><Message>Backup got: {f["Body"]}</Message></Response>");

        var sms = await h.Server.Residents.SendSmsAsync("+8613800000010", "need food", SandboxHarness.Timeout());

        var hit = Assert.Single(h.App.HitsTo("/twilio/sms/backup"));
        Assert.True(hit.SignatureValid);
        Assert.Equal(sms.MessageSid, hit["MessageSid"]);
        Assert.Equal("http://localhost/twilio/sms/incoming", hit["ErrorUrl"]);
        Assert.Equal("Backup got: need food", Assert.Single(h.Server.Phones.MessagesTo("+8613800000010")).Body);
    }
}
