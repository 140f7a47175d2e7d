extern alias sandbox;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Tests.Support;
using sandbox::Hotline.Sandbox;
using sandbox::Hotline.Sandbox.Calls;

namespace Hotline.Tests.Telephony;

// Whole calls played by the sandbox exactly as Twilio would: signed webhooks, TwiML followed verb by verb.
public sealed class SandboxCallTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task A_resident_leaves_a_voicemail_the_log_shows_it_and_their_phone_gets_the_reference_by_sms()
    {
        const string resident = "+8613800000201";
        var transcript = await Fixture.Sandbox.Residents.CallAsync(new CallerScript
        {
            From = resident, Presses = ["2", "3"], RecordSeconds = 12, RecordTranscript = "Rice and oil for two elderly people",
        });

        Assert.True(transcript.AllRequestsSucceeded, string.Join("\n", transcript.Steps));
        var reference = await ScalarAsync<string>("SELECT reference FROM needs");
        Assert.Contains(transcript.Said, s => s.Contains($"Your reference is {ReferenceSpoken(reference)}"));

        var sms = await Eventually.WaitForAsync(() => Task.FromResult(Fixture.Sandbox.Phones.MessagesTo(resident)), m => m.Count > 0);
        Assert.Contains(reference, Assert.Single(sms).Body);

        await StaffLogin.AddStaffAsync(Fixture, "op", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var detail = await Eventually.WaitForAsync(
            () => client.GetFromJsonAsync<JsonElement>($"/api/calls/{transcript.CallSid}"),
            d => d.GetProperty("voicemails").GetArrayLength() > 0 && d.GetProperty("voicemails")[0].GetProperty("transcript").ValueKind == JsonValueKind.String
                 && d.GetProperty("call").GetProperty("outcome").ValueKind == JsonValueKind.String);
        Assert.Equal("voicemail", detail.GetProperty("call").GetProperty("outcome").GetString());
        Assert.Equal("food", detail.GetProperty("need").GetProperty("category").GetString());
        Assert.Equal("Rice and oil for two elderly people", detail.GetProperty("voicemails")[0].GetProperty("transcript").GetString());

        // The recording plays through the app, fetched from Twilio (here the sandbox) with the app's credentials.
        var recordingSid = detail.GetProperty("voicemails")[0].GetProperty("recordingSid").GetString();
        var audio = await client.GetAsync($"/api/voicemails/{recordingSid}/audio");
        Assert.True(audio.IsSuccessStatusCode, $"{(int)audio.StatusCode}");
        Assert.StartsWith("RIFF", System.Text.Encoding.ASCII.GetString((await audio.Content.ReadAsByteArrayAsync())[..4]));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/api/voicemails/RE_not_ours/audio")).StatusCode);
    }

    [Fact]
    public async Task A_sandbox_signing_with_the_wrong_auth_token_is_refused()
    {
        await using var impostor = await SandboxServer.StartAsync(new SandboxOptions
        {
            AccountSid = HotlineFixture.AccountSid, AuthToken = "wrong-token", AppBaseUrl = HotlineFixture.PublicBaseUrl,
            HotlineNumber = HotlineFixture.HotlineNumber,
        }, Fixture.Factory.Server.CreateHandler());

        var transcript = await impostor.Residents.CallAsync(new CallerScript { From = "+8613800000202", Presses = ["2"] });

        Assert.Equal(403, transcript.Requests[0].Status);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM calls"));
    }

    static string ReferenceSpoken(string reference) => string.Join(' ', reference.ToCharArray());
}
