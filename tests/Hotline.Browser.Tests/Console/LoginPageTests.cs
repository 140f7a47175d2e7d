using System.Text.RegularExpressions;
using Hotline.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class LoginPageTests(ConsoleApp app) : ConsoleTest(app)
{
    [Fact]
    public async Task A_page_sends_a_stranger_to_the_login_form_and_back_after_logging_in()
    {
        await App.AddStaffAsync("ana", "operator", onDuty: true);
        var page = await App.AnonymousPageAsync();

        await page.GotoAsync("/needs");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=%2Fneeds$"));
        await ConsoleApp.ScreenshotAsync(page, "login");

        await page.FillAsync("#login-username", "ana");
        await page.FillAsync("#login-password", ConsoleApp.Password);
        await page.ClickAsync("button[type=submit]");

        await Expect(page).ToHaveURLAsync(new Regex("/needs$"));
        await Expect(page.Locator("#top .me")).ToHaveTextAsync("Ana");
    }

    [Fact]
    public async Task Wrong_passwords_are_refused_and_the_fifth_locks_the_account_for_a_while()
    {
        await App.AddStaffAsync("bo", "operator");
        var page = await App.AnonymousPageAsync();
        await page.GotoAsync("/login");

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await page.FillAsync("#login-username", "bo");
            await page.FillAsync("#login-password", "guess" + attempt);
            await page.ClickAsync("button[type=submit]");
            await Expect(page.Locator(".login-message")).ToHaveTextAsync("Wrong username or password.");
            await page.EvaluateAsync("document.querySelector('.login-message').textContent = ''");
        }

        await page.FillAsync("#login-password", ConsoleApp.Password);
        await page.ClickAsync("button[type=submit]");

        await Expect(page.Locator(".login-message")).ToHaveTextAsync(new Regex(@"Too many failed logins\. Try again in \d+ s\."));
        Assert.EndsWith("/login", page.Url);
    }

    [Fact]
    public async Task Logging_out_ends_the_session()
    {
        await App.AddStaffAsync("cy", "operator");
        var page = await App.SignedInPageAsync("cy");
        await page.GotoAsync("/");

        await page.ClickAsync("#top button.link");

        await Expect(page).ToHaveURLAsync(new Regex("/login$"));
        var me = await page.Context.APIRequest.GetAsync("/api/auth/me");
        Assert.Equal(401, me.Status);
    }

    [Fact]
    public async Task A_state_changing_call_without_the_page_token_is_refused()
    {
        await App.AddStaffAsync("di", "operator");
        var page = await App.SignedInPageAsync("di");
        await page.GotoAsync("/");

        // The session cookie alone is not enough: a forged form post from another site has no token.
        var forged = await page.Context.APIRequest.PostAsync("/api/staff/me/duty", new() { DataObject = new { onDuty = true } });
        Assert.Equal(400, forged.Status);
        var token = await page.GetAttributeAsync("meta[name=csrf-token]", "content");
        var genuine = await page.Context.APIRequest.PostAsync("/api/staff/me/duty",
            new() { DataObject = new { onDuty = true }, Headers = new Dictionary<string, string> { ["X-CSRF-TOKEN"] = token! } });
        Assert.Equal(200, genuine.Status);
    }
}
