using System.Text.RegularExpressions;
using Hotline.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class CallLogPageTests(ConsoleApp app) : ConsoleTest(app)
{
    [Fact]
    public async Task The_call_log_filters_shows_a_timeline_and_exports_csv()
    {
        await App.AddStaffAsync("ana", "operator");
        var voicemail = await Phone.LeaveVoicemailAsync("RE0000000000000000000000000000011", "Need medicine");
        var other = await Phone.DialAsync();
        await other.PostAsync("/twilio/voice/status", ("CallStatus", "completed"), ("SequenceNumber", "1"));
        var page = await App.SignedInPageAsync("ana");

        await page.GotoAsync("/calls");
        await Expect(page.Locator("#call-log tbody tr")).ToHaveCountAsync(2);
        await ConsoleApp.ScreenshotAsync(page, "call-log");

        await page.SelectOptionAsync("select[name=outcome]", "voicemail");
        await page.ClickAsync("#call-filters button[type=submit]");
        await Expect(page.Locator("#call-log tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator($"#call-log tr[data-call-sid={voicemail.CallSid}]")).ToBeVisibleAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("CallSid,", lines[0].TrimStart('\uFEFF'));
        Assert.Equal(2, lines.Length);
        Assert.Contains(voicemail.CallSid, lines[1]);
        Assert.DoesNotContain(other.CallSid, csv);

        await page.ClickAsync($"#call-log tr[data-call-sid={voicemail.CallSid}] a");
        await Expect(page).ToHaveURLAsync(new Regex($"/calls/{voicemail.CallSid}$"));
        await Expect(page.Locator("#timeline tbody tr").First).ToContainTextAsync("incoming");
        await Expect(page.Locator("#timeline")).ToContainTextAsync("voicemail_offered");
        await ConsoleApp.ScreenshotAsync(page, "call");
    }
}
