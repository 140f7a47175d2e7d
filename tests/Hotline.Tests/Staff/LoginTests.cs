using System.Net;
using System.Net.Http.Json;
using Hotline.Tests.Support;

namespace Hotline.Tests.Staff;

public sealed class LoginTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task Every_api_route_but_login_requires_a_session()
    {
        var anonymous = Fixture.Factory.CreateClient(new() { AllowAutoRedirect = false });

        foreach (var path in new[] { "/api/calls", "/api/calls.csv", "/api/calls/CA1", "/api/needs", "/api/auth/me" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task Staff_log_in_with_their_password_and_out_again()
    {
        await StaffLogin.AddStaffAsync(Fixture, "ana", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "ana");

        var me = await client.GetFromJsonAsync<Dictionary<string, object>>("/api/auth/me");
        Assert.Equal("operator", me!["role"].ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/calls")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/calls")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_five_in_a_row_lock_the_account()
    {
        await StaffLogin.AddStaffAsync(Fixture, "bo", "supervisor");
        var client = Fixture.Factory.CreateClient();

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var wrong = await client.PostAsJsonAsync("/api/auth/login", new { username = "bo", password = "guess" + attempt });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // Even the right password waits now.
        var locked = await client.PostAsJsonAsync("/api/auth/login", new { username = "bo", password = StaffLogin.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_job_dashboard_is_for_supervisors_only()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator");
        await StaffLogin.AddStaffAsync(Fixture, "sup", "supervisor");

        var asOperator = await StaffLogin.LoggedInAsync(Fixture, "op");
        var asSupervisor = await StaffLogin.LoggedInAsync(Fixture, "sup");
        var anonymous = Fixture.Factory.CreateClient(new() { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.Forbidden, (await asOperator.GetAsync("/hangfire")).StatusCode);
        // A page, not the API: the browser is sent to the login form.
        var stranger = await anonymous.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, stranger.StatusCode);
        Assert.Contains("/login?ReturnUrl=", stranger.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await asSupervisor.GetAsync("/hangfire")).StatusCode);
    }
}
