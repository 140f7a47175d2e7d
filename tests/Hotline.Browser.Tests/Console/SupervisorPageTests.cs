using Hotline.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class SupervisorPageTests(ConsoleApp app) : ConsoleTest(app)
{
    [Fact]
    public async Task An_operator_is_refused_the_supervisor_page()
    {
        await App.AddStaffAsync("ana", "operator");
        var page = await App.SignedInPageAsync("ana");

        var response = await page.GotoAsync("/supervisor");

        Assert.Equal(403, response!.Status);
        await Expect(page.Locator(".forbidden")).ToHaveTextAsync("This page is for supervisors only.");
        await Expect(page.Locator("#top nav a[href='/supervisor']")).ToHaveCountAsync(0);
        Assert.Equal(403, (await page.Context.APIRequest.GetAsync("/api/supervisor/overview")).Status);
        Assert.Equal(403, (await page.Context.APIRequest.GetAsync("/hangfire")).Status);
    }

    [Fact]
    public async Task A_supervisor_sees_the_days_figures_and_sets_escalation_levels()
    {
        var operatorId = await App.AddStaffAsync("bo", "operator", onDuty: true);
        await App.AddStaffAsync("sue", "supervisor", onDuty: true, level: 1);
        var answered = await Phone.AskForAsync("1");
        await answered.PostAsync("/twilio/voice/queue/done", ("QueueResult", "bridged"), ("QueueTime", "12"));
        await answered.PostAsync("/twilio/voice/status", ("CallStatus", "completed"), ("SequenceNumber", "3"));
        var abandoned = await Phone.AskForAsync("3");
        await abandoned.PostAsync("/twilio/voice/status", ("CallStatus", "completed"), ("SequenceNumber", "3"));
        var page = await App.SignedInPageAsync("sue");

        await page.GotoAsync("/supervisor");

        await Expect(page.Locator("#calls-received .value")).ToHaveTextAsync("2");
        await Expect(page.Locator("#answered .value")).ToHaveTextAsync("1");
        await Expect(page.Locator("#by-category")).ToContainTextAsync("Urgent medical");
        await Expect(page.Locator("#calls-per-hour .bar")).ToHaveCountAsync(24);
        await Expect(page.Locator("#wellness-round")).ToBeVisibleAsync();
        await Expect(page.Locator("#hangfire")).ToHaveAttributeAsync("href", "/hangfire");
        await ConsoleApp.ScreenshotAsync(page, "supervisor");

        var row = page.Locator($"#staff tr[data-staff-id='{operatorId}']");
        await row.Locator("input.level").FillAsync("2");
        await row.Locator("button.save").ClickAsync();
        await Expect(page.Locator(".toast")).ToHaveTextAsync("Saved.");
        Assert.Equal(2, await ScalarAsync<int>("SELECT escalation_level FROM staff WHERE id = @operatorId", new { operatorId }));
        Assert.Equal("staff:sue", await ScalarAsync<string>("SELECT actor FROM audit_log WHERE entity = 'staff' AND entity_id = @operatorId", new { operatorId }));
    }
}
