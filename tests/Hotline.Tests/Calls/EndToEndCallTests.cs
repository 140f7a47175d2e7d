using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Tests.Support;

namespace Hotline.Tests.Calls;

public sealed class EndToEndCallTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task A_call_walked_from_ringing_to_transcribed_voicemail_reads_back_with_every_step()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var caller = new Caller(Twilio, "+8613800000099");

        await caller.Status("ringing");
        Assert.Contains("Gather", (await caller.Dial()).Verbs);
        await caller.Status("in-progress");
        Assert.Contains("Gather", (await caller.Press("/twilio/voice/language", "2")).Verbs);
        Assert.Contains("Enqueue", (await caller.Press("/twilio/voice/menu?attempt=1", "2")).Verbs);
        Assert.Contains("Pause", (await caller.PostAsync("/twilio/voice/queue/wait", ("QueuePosition", "1"), ("QueueTime", "5"))).Verbs);
        Assert.Equal(["Leave"], (await caller.PostAsync("/twilio/voice/queue/wait", ("QueuePosition", "1"), ("QueueTime", "605"))).Verbs);
        Assert.Contains("Record", (await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "leave"), ("QueueTime", "606"))).Verbs);
        Assert.Contains("Hangup", (await caller.PostAsync("/twilio/voice/voicemail/recorded", ("RecordingSid", "RE77"), ("RecordingDuration", "21"))).Verbs);
        await caller.Status("completed", 640);
        await caller.PostAsync("/twilio/voice/voicemail/recording-status", ("RecordingSid", "RE77"), ("RecordingStatus", "completed"), ("RecordingDuration", "21"));
        await caller.PostAsync("/twilio/voice/voicemail/transcription", ("RecordingSid", "RE77"), ("TranscriptionText", "Insulin for flat 402"), ("TranscriptionStatus", "completed"));

        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/calls/{caller.CallSid}");

        var call = detail.GetProperty("call");
        Assert.Equal("voicemail", call.GetProperty("outcome").GetString());
        Assert.Equal(640, call.GetProperty("durationSeconds").GetInt32());
        Assert.Equal(606, call.GetProperty("queueSeconds").GetInt32());
        Assert.Equal("medicine", detail.GetProperty("need").GetProperty("category").GetString());
        Assert.Equal("Insulin for flat 402", detail.GetProperty("voicemails")[0].GetProperty("transcript").GetString());
        var kinds = detail.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(
            ["status", "incoming", "status", "language", "menu_choice", "need_opened", "enqueued", "queue_wait", "queue_wait", "queue_timeout",
             "queue_left", "voicemail_offered", "recorded", "callback_opened", "status", "recording_status", "transcription"],
            kinds);
        var payload = JsonDocument.Parse(detail.GetProperty("events")[3].GetProperty("payload").GetString()!);
        Assert.Equal("2", payload.RootElement.GetProperty("Digits").GetString());
    }
}
