using System.Diagnostics;
using System.Text.RegularExpressions;
using Hotline.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class LiveBoardTests(ConsoleApp app) : ConsoleTest(app)
{
    async Task<IPage> BoardAsync(string username)
    {
        var page = await App.SignedInPageAsync(username);
        await page.GotoAsync("/");
        // The live feed is connected before anything happens that the board should see.
        await Expect(page.Locator("#live-state.on")).ToBeVisibleAsync();
        await page.EvaluateAsync("window.notReloaded = true");
        return page;
    }

    [Fact]
    public async Task A_call_appears_in_its_queue_without_reloading_the_page()
    {
        await App.AddStaffAsync("ana", "operator", onDuty: true, phone: "+8613900000001");
        var page = await BoardAsync("ana");
        await Expect(page.Locator("[data-queue=urgent] .empty")).ToBeVisibleAsync();

        var clock = Stopwatch.StartNew();
        var call = await Phone.AskForAsync("1");
        var waiting = page.Locator($"[data-queue=urgent] [data-call-sid={call.CallSid}]");
        await Expect(waiting).ToBeVisibleAsync(new() { Timeout = 2000 });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the board took {clock.Elapsed}");

        await Expect(waiting.Locator(".clock")).ToHaveTextAsync(new Regex(@"waiting 0:0\d"));
        await Expect(page.Locator("#urgent-needs .row")).ToHaveCountAsync(1);
        await Expect(page.Locator("#take-next")).ToBeEnabledAsync();
        Assert.True(await page.EvaluateAsync<bool>("window.notReloaded === true"));
        await ConsoleApp.ScreenshotAsync(page, "board");

        // The caller hangs up: gone from the queue, again without a reload.
        await call.PostAsync("/twilio/voice/status", ("CallStatus", "completed"), ("SequenceNumber", "5"));
        await Expect(waiting).ToHaveCountAsync(0, new() { Timeout = 2000 });
    }

    [Fact]
    public async Task Acknowledging_an_urgent_need_takes_its_countdown_off_the_board()
    {
        await App.AddStaffAsync("bo", "operator", onDuty: true);
        await Phone.AskForAsync("1");
        // A second urgent need whose deadline has already passed shows red.
        await Phone.AskForAsync("1");
        await ExecuteAsync("UPDATE needs SET ack_deadline = now() - interval '2 minutes' WHERE id = (SELECT max(id) FROM needs)");
        var page = await BoardAsync("bo");

        var rows = page.Locator("#urgent-needs .row");
        await Expect(rows).ToHaveCountAsync(2);
        var overdue = rows.First;
        await Expect(overdue).ToHaveClassAsync(new Regex("overdue"));
        await Expect(overdue.Locator(".countdown")).ToHaveTextAsync(new Regex(@"^overdue 2:\d\d$"));
        var onTime = rows.Nth(1);
        await Expect(onTime.Locator(".countdown")).ToHaveTextAsync(new Regex(@"^4:\d\d left$"));
        var needId = await onTime.GetAttributeAsync("data-need-id");

        await onTime.Locator("button.ack").ClickAsync();

        await Expect(page.Locator($"#urgent-needs [data-need-id='{needId}']")).ToHaveCountAsync(0);
        await Expect(rows).ToHaveCountAsync(1);
        Assert.Equal("acknowledged", await ScalarAsync<string>("SELECT status FROM needs WHERE id = @id", new { id = long.Parse(needId!) }));
        Assert.Equal("bo", await ScalarAsync<string>(
            "SELECT s.username FROM audit_log a JOIN staff s ON s.id = a.staff_id WHERE a.entity = 'need' AND a.entity_id = @id AND a.action = 'acknowledged'",
            new { id = long.Parse(needId!) }));
    }

    [Fact]
    public async Task Going_on_and_off_duty_shows_on_every_board()
    {
        await App.AddStaffAsync("cy", "operator");
        await App.AddStaffAsync("di", "supervisor", onDuty: true);
        var mine = await BoardAsync("cy");
        var theirs = await BoardAsync("di");
        await Expect(theirs.Locator("#on-duty .row")).ToHaveCountAsync(1);

        await mine.ClickAsync("#duty");

        await Expect(mine.Locator("#duty")).ToHaveAttributeAsync("data-on-duty", "true");
        await Expect(theirs.Locator("#on-duty .row")).ToHaveCountAsync(2);
        await Expect(theirs.Locator("#on-duty .row", new() { HasText = "Cy" })).ToContainTextAsync("available");
        Assert.True(await ScalarAsync<bool>("SELECT on_duty FROM staff WHERE username = 'cy'"));
    }

    [Fact]
    public async Task Take_next_call_rings_the_operators_phone()
    {
        await App.AddStaffAsync("ed", "operator", onDuty: true, phone: "+8613900000005");
        await Phone.AskForAsync("3");
        var page = await BoardAsync("ed");

        await page.ClickAsync("#take-next");

        await Expect(page.Locator(".toast")).ToContainTextAsync("Ringing your phone for the next caller (General queue)");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (App.TwilioApi.PlacedCalls.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains(App.TwilioApi.PlacedCalls, c => c.To == "+8613900000005" && c.Url.Contains("/twilio/console/take-next?staff="));
        await Expect(page.Locator("#on-duty .row", new() { HasText = "Ed" })).ToContainTextAsync(new Regex("phone ringing|on a call"));
    }

    [Fact]
    public async Task Staff_who_chose_Mandarin_get_the_board_in_Mandarin()
    {
        await App.AddStaffAsync("fang", "operator", onDuty: true, language: "zh-CN");
        await Phone.AskForAsync("1");
        var page = await BoardAsync("fang");

        await Expect(page.Locator("#top nav a.current")).ToHaveTextAsync("实时看板");
        await Expect(page.Locator("#urgent-needs button.ack")).ToHaveTextAsync("确认");
        await ConsoleApp.ScreenshotAsync(page, "board-zh");
    }

    [Fact]
    public async Task The_board_fits_a_tablet_held_upright()
    {
        await App.AddStaffAsync("gu", "operator", onDuty: true);
        await Phone.AskForAsync("1");
        await Phone.AskForAsync("3");
        var page = await BoardAsync("gu");
        await page.SetViewportSizeAsync(820, 1180);

        await Expect(page.Locator("#urgent-needs .row")).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the board scrolls sideways");
        var button = await page.Locator("#take-next").BoundingBoxAsync();
        Assert.True(button!.Height >= 44, $"take next call is {button.Height}px tall");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleApp.ScreenshotFolder, "board-tablet.png") });
    }
}
