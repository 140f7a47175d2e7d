using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hotline.Sandbox.Phones;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using HttpClient = System.Net.Http.HttpClient;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Hotline.Sandbox.Tests.Rest;

public sealed class RestApiTests : IAsyncLifetime
{
    private SandboxHarness h = null!;

    public async Task InitializeAsync() => h = await SandboxHarness.StartAsync();

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Sdk_creates_a_call_and_parses_the_answer()
    {
        var call = await CallResource.CreateAsync(
            to: new PhoneNumber("+8613800000002"),
            from: new PhoneNumber("+15005550006"),
            url: new Uri("http://localhost/outbound"),
            statusCallback: new Uri("http://localhost/status/call"),
            statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
            client: h.Twilio);

        Assert.Matches("^CA[0-9a-f]{32}$", call.Sid);
        Assert.Equal(TwimlApp.AccountSid, call.AccountSid);
        Assert.Equal("+8613800000002", call.To);
        Assert.Equal("+15005550006", call.From);
        Assert.Equal(CallResource.StatusEnum.Queued, call.Status);
        Assert.NotNull(call.DateCreated);
        Assert.EndsWith($"/Calls/{call.Sid}.json", call.Uri);

        var recorded = Assert.Single(h.Server.Requests.All(), r => r.Path.EndsWith("/Calls.json"));
        Assert.Equal(201, recorded.Status);
        Assert.Equal(["initiated", "ringing", "answered", "completed"], recorded.Form["StatusCallbackEvent"]);
    }

    [Fact]
    public async Task Sdk_sends_an_sms_that_reaches_the_phone()
    {
        var message = await MessageResource.CreateAsync(
            to: new PhoneNumber("+8613800000003"),
            from: new PhoneNumber("+15005550006"),
            body: "Your reference is N-1234",
            statusCallback: new Uri("http://localhost/status/sms"),
            client: h.Twilio);

        Assert.Matches("^SM[0-9a-f]{32}$", message.Sid);
        Assert.Equal(MessageResource.StatusEnum.Queued, message.Status);
        Assert.Equal("Your reference is N-1234", message.Body);

        await h.Server.Sandbox.WaitForIdleAsync(SandboxHarness.Timeout());
        var sms = Assert.Single(h.Server.Phones.MessagesTo("+8613800000003"));
        Assert.Equal("Your reference is N-1234", sms.Body);
        Assert.Equal(["sent", "delivered"], h.App.HitsTo("/status/sms").Select(x => x["MessageStatus"]));
        Assert.All(h.App.HitsTo("/status/sms"), x => Assert.Equal(message.Sid, x["MessageSid"]));
    }

    [Fact]
    public async Task Undelivered_sms_reports_an_error_code_and_never_reaches_the_phone()
    {
        h.Server.Phones.SetBehaviour("+8613800000004", new PhoneBehaviour { Sms = SmsOutcome.Undelivered, SmsErrorCode = 30005 });
        await MessageResource.CreateAsync(
            to: new PhoneNumber("+8613800000004"), from: new PhoneNumber("+15005550006"), body: "hello",
            statusCallback: new Uri("http://localhost/status/sms"), client: h.Twilio);

        await h.Server.Sandbox.WaitForIdleAsync(SandboxHarness.Timeout());
        var callbacks = h.App.HitsTo("/status/sms");
        Assert.Equal(["sent", "undelivered"], callbacks.Select(x => x["MessageStatus"]));
        Assert.Equal("30005", callbacks[1]["ErrorCode"]);
        Assert.Empty(h.Server.Phones.MessagesTo("+8613800000004"));
    }

    [Fact]
    public async Task Invalid_number_surfaces_as_ApiException_with_twilio_code()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => MessageResource.CreateAsync(
            to: new PhoneNumber("12345"), from: new PhoneNumber("+15005550006"), body: "x", client: h.Twilio));

        Assert.Equal(21211, e.Code);
        Assert.Equal(400, e.Status);
        Assert.Equal("https://www.twilio.com/docs/errors/21211", e.MoreInfo);
    }

    [Fact]
    public async Task Forced_400_carries_the_configured_code()
    {
        h.Server.Phones.SetBehaviour("+8613800000005", new PhoneBehaviour { RestFailure = new RestFailure(400, 21610, "Attempt to send to unsubscribed recipient") });

        var e = await Assert.ThrowsAsync<ApiException>(() => MessageResource.CreateAsync(
            to: new PhoneNumber("+8613800000005"), from: new PhoneNumber("+15005550006"), body: "x", client: h.Twilio));

        Assert.Equal(21610, e.Code);
        Assert.Equal("Attempt to send to unsubscribed recipient", e.Message);
    }

    [Theory]
    [InlineData(429, 20429)]
    [InlineData(500, 20500)]
    public async Task Forced_failures_last_for_the_given_number_of_requests_then_calls_succeed(int status, int code)
    {
        h.Server.Phones.SetBehaviour("+8613800000006", new PhoneBehaviour { Answer = AnswerMode.Busy, RestFailure = new RestFailure(status, Times: 2) });

        for (var i = 0; i < 2; i++)
        {
            var e = await Assert.ThrowsAsync<ApiException>(() => CreateCallAsync("+8613800000006"));
            Assert.Equal(status, e.Status);
            Assert.Equal(code, e.Code);
        }

        var call = await CreateCallAsync("+8613800000006");
        Assert.StartsWith("CA", call.Sid);
        Assert.Equal([status, status, 201], h.Server.Requests.All().Select(r => r.Status));
    }

    [Fact]
    public async Task Wrong_credentials_are_refused_with_20003()
    {
        var wrong = new TwilioRestClient(TwimlApp.AccountSid, "not-the-token", httpClient: new SystemNetHttpClient(h.Http));

        var e = await Assert.ThrowsAsync<ApiException>(() => CallResource.CreateAsync(
            to: new PhoneNumber("+8613800000002"), from: new PhoneNumber("+15005550006"), url: new Uri("http://localhost/outbound"), client: wrong));

        Assert.Equal(401, e.Status);
        Assert.Equal(20003, e.Code);
        Assert.Empty(h.Server.Calls.All());
    }

    [Fact]
    public async Task Missing_basic_auth_gets_401()
    {
        using var http = new HttpClient { BaseAddress = h.Server.BaseAddress };
        var response = await http.PostAsync($"2010-04-01/Accounts/{TwimlApp.AccountSid}/Calls.json", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"code\":20003", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Recording_media_is_a_wav_with_or_without_extension()
    {
        var recording = h.Server.Sandbox.Recordings.Add("CA0", 12, null);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwimlApp.AccountSid}:{TwimlApp.AuthToken}")));

        foreach (var suffix in new[] { "", ".wav", ".mp3" })
        {
            var bytes = await http.GetByteArrayAsync(h.Server.Sandbox.RecordingUrl(recording.Sid) + suffix);
            Assert.Equal("RIFF", Encoding.ASCII.GetString(bytes, 0, 4));
            Assert.Equal("WAVE", Encoding.ASCII.GetString(bytes, 8, 4));
        }

        var missing = await http.GetAsync(h.Server.Sandbox.RecordingUrl("RE00000000000000000000000000000000"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Sdk_reads_the_transcriptions_of_a_recording_and_gets_404_for_an_unknown_recording()
    {
        var recording = h.Server.Sandbox.Recordings.Add("CA0", 12, "Dialysis tomorrow");
        var made = h.Server.Sandbox.Recordings.AddTranscription(recording, completed: true);

        var read = (await Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource.ReadAsync(
            pathRecordingSid: recording.Sid, client: h.Twilio)).ToList();

        var transcription = Assert.Single(read);
        Assert.Equal((made.Sid, "Dialysis tomorrow", "completed", recording.Sid),
            (transcription.Sid, transcription.TranscriptionText, transcription.Status.ToString(), transcription.RecordingSid));
        var none = h.Server.Sandbox.Recordings.Add("CA1", 1, null);
        Assert.Empty(await Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource.ReadAsync(pathRecordingSid: none.Sid, client: h.Twilio));
        var missing = await Assert.ThrowsAsync<ApiException>(() => Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource.ReadAsync(
            pathRecordingSid: "RE00000000000000000000000000000000", client: h.Twilio));
        Assert.Equal(404, missing.Status);
    }

    private Task<CallResource> CreateCallAsync(string to) => CallResource.CreateAsync(
        to: new PhoneNumber(to), from: new PhoneNumber("+15005550006"), url: new Uri("http://localhost/outbound"), client: h.Twilio);
}
