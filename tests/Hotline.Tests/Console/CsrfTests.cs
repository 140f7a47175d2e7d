using System.Net;
using System.Net.Http.Json;
using Hotline.Tests.Support;

namespace Hotline.Tests.OperatorConsole;

public sealed class CsrfTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task A_state_changing_api_call_needs_the_sessions_token()
    {
        await StaffLogin.AddStaffAsync(Fixture, "ana", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "ana");
        var token = client.DefaultRequestHeaders.GetValues("X-CSRF-TOKEN").Single();
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/staff/me/duty", new { onDuty = true })).StatusCode);
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token + "x");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/staff/me/duty", new { onDuty = true })).StatusCode);
        Assert.False(await ScalarAsync<bool>("SELECT on_duty FROM staff"));

        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/staff/me/duty", new { onDuty = true })).StatusCode);
        Assert.True(await ScalarAsync<bool>("SELECT on_duty FROM staff"));
    }

    [Fact]
    public async Task Another_sessions_token_is_refused()
    {
        await StaffLogin.AddStaffAsync(Fixture, "bo", "operator");
        await StaffLogin.AddStaffAsync(Fixture, "cy", "operator");
        var bo = await StaffLogin.LoggedInAsync(Fixture, "bo");
        var cy = await StaffLogin.LoggedInAsync(Fixture, "cy");
        cy.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        cy.DefaultRequestHeaders.Add("X-CSRF-TOKEN", bo.DefaultRequestHeaders.GetValues("X-CSRF-TOKEN").Single());

        Assert.Equal(HttpStatusCode.BadRequest, (await cy.PostAsJsonAsync("/api/staff/me/duty", new { onDuty = true })).StatusCode);
    }

    [Fact]
    public async Task Pages_send_strangers_to_the_login_form_while_the_api_answers_401()
    {
        var anonymous = Fixture.Factory.CreateClient(new() { AllowAutoRedirect = false });

        var page = await anonymous.GetAsync("/needs");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/login?ReturnUrl=%2Fneeds", page.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/board")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/login")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/console/console.js")).StatusCode);
    }
}
