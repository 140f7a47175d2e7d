using Hotline.Tests.Support;

namespace Hotline.Tests.Calls;

public sealed class VoicemailTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    async Task<Caller> CallerInVoicemailAsync()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "3");
        return caller;
    }

    static (string, string)[] Recording(string sid) =>
        [("RecordingSid", sid), ("RecordingUrl", $"https://api.twilio.com/2010-04-01/Accounts/AC_test/Recordings/{sid}"), ("RecordingDuration", "14")];

    [Fact]
    public async Task Recorded_voicemail_thanks_the_caller_with_their_reference_read_digit_by_digit()
    {
        var caller = await CallerInVoicemailAsync();

        var thanks = await caller.PostAsync("/twilio/voice/voicemail/recorded", Recording("RE1"));

        var reference = await ScalarAsync<string>("SELECT reference FROM needs");
        Assert.Contains($"Your reference is {string.Join(' ', reference.ToCharArray())}", thanks.SaidText);
        Assert.Contains("Hangup", thanks.Verbs);
        Assert.Equal(14, await ScalarAsync<int>("SELECT duration_seconds FROM voicemails WHERE recording_sid = 'RE1'"));
        Assert.Equal(await ScalarAsync<long>("SELECT id FROM needs"), await ScalarAsync<long>("SELECT need_id FROM voicemails"));
    }

    [Fact]
    public async Task Recording_and_transcription_callbacks_in_any_order_and_repeated_give_one_voicemail()
    {
        var caller = await CallerInVoicemailAsync();

        await caller.PostAsync("/twilio/voice/voicemail/transcription",
            [.. Recording("RE2"), ("TranscriptionText", "My mother needs insulin"), ("TranscriptionStatus", "completed")]);
        await caller.Status("completed", 40);
        await caller.PostAsync("/twilio/voice/voicemail/recording-status", [.. Recording("RE2"), ("RecordingStatus", "completed")]);
        await caller.PostAsync("/twilio/voice/voicemail/recorded", Recording("RE2"));
        await caller.PostAsync("/twilio/voice/voicemail/transcription",
            [.. Recording("RE2"), ("TranscriptionText", "My mother needs insulin"), ("TranscriptionStatus", "completed")]);

        var voicemail = await RowAsync<(long Count, string Transcript, string Status, int Duration)>(
            "SELECT count(*) OVER (), transcript, recording_status, duration_seconds FROM voicemails");
        Assert.Equal((1L, "My mother needs insulin", "completed", 14), voicemail);
        Assert.Equal("voicemail", await ScalarAsync<string>("SELECT outcome FROM calls"));
    }

    [Fact]
    public async Task An_absent_recording_is_not_a_voicemail()
    {
        var caller = await CallerInVoicemailAsync();

        await caller.PostAsync("/twilio/voice/voicemail/recording-status", ("RecordingSid", "RE3"), ("RecordingStatus", "absent"));
        await caller.Status("completed", 20);

        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM voicemails"));
        Assert.Equal("abandoned_in_ivr", await ScalarAsync<string>("SELECT outcome FROM calls"));
    }
}
