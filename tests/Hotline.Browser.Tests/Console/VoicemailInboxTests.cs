using Hotline.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class VoicemailInboxTests(ConsoleApp app) : ConsoleTest(app)
{
    [Fact]
    public async Task A_voicemail_plays_in_the_page_through_the_app_and_can_be_marked_heard()
    {
        await App.AddStaffAsync("ana", "operator");
        await Phone.LeaveVoicemailAsync("RE0000000000000000000000000000001", "Please bring insulin to building 4, unit 302.");
        var page = await App.SignedInPageAsync("ana");
        await page.GotoAsync("/voicemails");

        var card = page.Locator("[data-recording-sid=RE0000000000000000000000000000001]");
        await Expect(card.Locator(".transcript")).ToHaveTextAsync("Please bring insulin to building 4, unit 302.");
        await Expect(card.Locator(".badge.unheard")).ToBeVisibleAsync();
        var audio = card.Locator("audio");
        Assert.Equal("/api/voicemails/RE0000000000000000000000000000001/audio", await audio.GetAttributeAsync("src"));
        await ConsoleApp.ScreenshotAsync(page, "voicemails");

        var fetched = page.WaitForResponseAsync(r => r.Url.EndsWith("/api/voicemails/RE0000000000000000000000000000001/audio"));
        await audio.EvaluateAsync("a => a.play()");
        Assert.Equal(200, (await fetched).Status);
        await page.WaitForFunctionAsync("a => a.currentTime > 0.2", await audio.ElementHandleAsync());
        await audio.EvaluateAsync("a => a.pause()");

        await card.Locator("button.mark-heard").ClickAsync();

        await Expect(card.Locator(".badge.unheard")).ToHaveCountAsync(0);
        await Expect(card.Locator(".heard-by")).ToContainTextAsync("Heard by Ana");
        Assert.True(await ScalarAsync<bool>("SELECT heard_at IS NOT NULL FROM voicemails"));
    }

    [Fact]
    public async Task A_transcript_containing_markup_is_shown_as_text()
    {
        const string hostile = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"><b>help</b>";
        await App.AddStaffAsync("bo", "operator");
        await Phone.LeaveVoicemailAsync("RE0000000000000000000000000000002", hostile);
        var page = await App.SignedInPageAsync("bo");

        await page.GotoAsync("/voicemails");
        var transcript = page.Locator("[data-recording-sid=RE0000000000000000000000000000002] .transcript");
        await Expect(transcript).ToHaveTextAsync(hostile);
        Assert.Equal(0, await transcript.Locator("script, img, b").CountAsync());

        var needId = await ScalarAsync<long>("SELECT need_id FROM voicemails");
        await page.GotoAsync($"/needs/{needId}");
        await Expect(page.Locator(".voicemail .transcript")).ToHaveTextAsync(hostile);
        Assert.Equal(0, await page.Locator(".voicemail .transcript img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("window.pwned === undefined"));
    }

    [Fact]
    public async Task A_voicemail_without_a_need_becomes_one()
    {
        await App.AddStaffAsync("cy", "operator");
        // A voicemail that came without a need (as one recorded before needs were opened for every message).
        await ExecuteAsync(
            """
            INSERT INTO calls (call_sid, direction, from_phone, to_phone, stage, status, started_at)
            VALUES ('CA_no_need', 'inbound', '+8613800000033', '+8621000000000', 'voicemail', 'completed', now());
            INSERT INTO voicemails (call_id, recording_sid, duration_seconds, transcript, transcription_status)
            VALUES ((SELECT id FROM calls), 'RE0000000000000000000000000000003', 9, 'We have no food left.', 'completed');
            """);
        var page = await App.SignedInPageAsync("cy");
        await page.GotoAsync("/voicemails");
        var card = page.Locator("[data-recording-sid=RE0000000000000000000000000000003]");

        await card.Locator("select[name=category]").SelectOptionAsync("food");
        await card.Locator("button.make-need").ClickAsync();

        await Expect(card.Locator("a.button")).ToContainTextAsync("Need ");
        Assert.Equal("food", await ScalarAsync<string>("SELECT category FROM needs"));
        Assert.Equal("We have no food left.", await ScalarAsync<string>("SELECT summary FROM needs"));
    }
}
