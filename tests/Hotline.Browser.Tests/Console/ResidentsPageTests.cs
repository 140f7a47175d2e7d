using Hotline.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class ResidentsPageTests(ConsoleApp app) : ConsoleTest(app)
{
    [Fact]
    public async Task A_resident_is_found_by_number_and_their_flags_and_language_edited()
    {
        await App.AddStaffAsync("ana", "operator");
        await ExecuteAsync("INSERT INTO residents (phone, name, language) VALUES ('+8613812345678', 'Wang Fang', 'zh-CN'), ('+8613800000001', 'Li Lei', 'en-US')");
        await Phone.AskForAsync("2", from: "+8613812345678");
        var page = await App.SignedInPageAsync("ana");

        await page.GotoAsync("/residents");
        await page.FillAsync("#resident-search input[name=q]", "5678");
        await page.ClickAsync("#resident-search button");
        await Expect(page.Locator("#residents tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#residents tbody tr")).ToContainTextAsync("Wang Fang");

        await page.ClickAsync("#residents tbody tr a");
        await Expect(page.Locator("h2").First).ToHaveTextAsync("Wang Fang");
        await Expect(page.Locator("section", new() { HasText = "Needs" }).Locator("tbody tr")).ToHaveCountAsync(1);

        await page.CheckAsync("input[name=flag][value=elderly_alone]");
        await page.SelectOptionAsync("select[name=language]", "en-US");
        await page.ClickAsync("#resident-edit button[type=submit]");
        await Expect(page.Locator(".toast")).ToHaveTextAsync("Saved.");
        await ConsoleApp.ScreenshotAsync(page, "resident");

        Assert.Equal(["elderly_alone"], await ScalarAsync<string[]>("SELECT flags FROM residents WHERE phone = '+8613812345678'"));
        Assert.Equal("en-US", await ScalarAsync<string>("SELECT language FROM residents WHERE phone = '+8613812345678'"));
    }
}
