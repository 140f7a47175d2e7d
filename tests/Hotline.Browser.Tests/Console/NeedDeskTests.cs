using System.Text.RegularExpressions;
using Hotline.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class NeedDeskTests(ConsoleApp app) : ConsoleTest(app)
{
    [Fact]
    public async Task The_needs_board_puts_urgent_needs_first_and_a_need_is_worked_to_its_outcome_with_every_step_audited()
    {
        await App.AddStaffAsync("ana", "operator", onDuty: true);
        await App.AddStaffAsync("bo", "operator", onDuty: true);
        await Phone.AskForAsync("3");
        await Phone.AskForAsync("1");
        await Phone.AskForAsync("2");
        var page = await App.SignedInPageAsync("ana");

        await page.GotoAsync("/needs");
        var rows = page.Locator("#needs tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0)).ToHaveClassAsync("urgency-urgent");
        await Expect(rows.Nth(1)).ToHaveClassAsync("urgency-high");
        await Expect(rows.Nth(2)).ToHaveClassAsync("urgency-normal");
        await ConsoleApp.ScreenshotAsync(page, "needs");

        await rows.Nth(2).Locator("a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/needs/\\d+$"));
        var id = long.Parse(page.Url.Split('/')[^1]);
        await Expect(page.Locator("#need-status")).ToHaveTextAsync("open");

        await page.ClickAsync("button.ack");
        await Expect(page.Locator("#need-status")).ToHaveTextAsync("acknowledged");

        await page.SelectOptionAsync(".actions select[name=staffId]", new SelectOptionValue { Label = "Bo" });
        await page.ClickAsync("button.assign");
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("Bo");

        await page.FillAsync("textarea[name=note]", "Neighbour will take the parcel up; <i>fragile</i>");
        await page.ClickAsync("button.add-note");
        await Expect(page.Locator("#notes li p")).ToHaveTextAsync("Neighbour will take the parcel up; <i>fragile</i>");

        await page.SelectOptionAsync(".actions select[name=urgency]", "high");
        await page.ClickAsync("button.classify");
        await Expect(page.Locator(".need-head")).ToHaveClassAsync(new Regex("urgency-high"));
        await ConsoleApp.ScreenshotAsync(page, "need");

        await page.SelectOptionAsync(".actions select[name=outcome]", "food_delivered");
        await page.ClickAsync("button.resolve");
        await Expect(page.Locator("#need-status")).ToHaveTextAsync("resolved (food parcel delivered)");
        await Expect(page.Locator("button.resolve")).ToHaveCountAsync(0);

        await Expect(page.Locator("#audit tbody tr")).ToHaveCountAsync(6);
        Assert.Equal(
            ["opened", "acknowledged", "assigned", "note_added", "reclassified", "resolved"],
            (await page.Locator("#audit tbody tr td:nth-child(3)").AllTextContentsAsync()).ToArray());
        Assert.Equal("food_delivered", await ScalarAsync<string>("SELECT resolution FROM needs WHERE id = @id", new { id }));
    }
}
