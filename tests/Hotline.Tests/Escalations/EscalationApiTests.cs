using System.Net;
using System.Net.Http.Json;
using Hotline.Escalations;
using Hotline.Tests.Support;

namespace Hotline.Tests.Escalations;

public sealed class EscalationApiTests(HotlineFixture fixture) : EscalationTest(fixture)
{
    // Two needs alerted at once: the first is then acknowledged, the second still waits.
    async Task<(NeedRow Handled, NeedRow Waiting)> TwoAlertedNeedsAsync()
    {
        await AddStaffAsync("super", level: 1);
        var waiting = await UrgentNeedAsync(TimeSpan.FromSeconds(-1), watch: false);
        var handled = await UrgentNeedAsync(TimeSpan.FromSeconds(-1), watch: false);
        var runner = Service<EscalationRunner>();
        await runner.RunAsync(waiting.Id, skipLocked: false, CancellationToken.None);
        await runner.RunAsync(handled.Id, skipLocked: false, CancellationToken.None);
        using var console = await StaffLogin.LoggedInAsync(Fixture, "super");
        (await console.PostAsync($"/api/needs/{handled.Id}/acknowledge", null)).EnsureSuccessStatusCode();
        return (handled, waiting);
    }

    [Fact]
    public async Task Supervisors_see_open_escalations_first()
    {
        var (handled, waiting) = await TwoAlertedNeedsAsync();
        using var console = await StaffLogin.LoggedInAsync(Fixture, "super");

        var list = (await console.GetFromJsonAsync<List<EscalationView>>("/api/escalations"))!;

        // The waiting need's ladder may have climbed further meanwhile; all of its alerts still come first.
        Assert.Equal([waiting.Id, handled.Id], list.Select(e => e.NeedId).Distinct());
        Assert.True(list[0].Open);
        Assert.False(list[^1].Open);
        Assert.Equal((waiting.Reference, "urgent_medical", "super", AlertChannel.Sms), (list[0].Reference, list[0].Category, list[0].RecipientName, list[0].Channel));
    }

    [Fact]
    public async Task Operators_see_the_newest_first()
    {
        var (handled, waiting) = await TwoAlertedNeedsAsync();
        await AddStaffAsync("op", level: null, role: "operator");
        using var console = await StaffLogin.LoggedInAsync(Fixture, "op");

        var list = (await console.GetFromJsonAsync<List<EscalationView>>("/api/escalations"))!;

        Assert.Equal(list.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Select(e => e.Id), list.Select(e => e.Id));
        // The handled need was alerted after the waiting one, so its SMS comes before the waiting need's first SMS.
        Assert.True(list.FindIndex(e => e.NeedId == handled.Id) < list.FindIndex(e => e.NeedId == waiting.Id && e.Step == 0 && e.Channel == AlertChannel.Sms));
    }

    [Fact]
    public async Task Status_filters_by_alert_status_or_by_open()
    {
        var (_, waiting) = await TwoAlertedNeedsAsync();
        using var console = await StaffLogin.LoggedInAsync(Fixture, "super");

        var open = await console.GetFromJsonAsync<List<EscalationView>>("/api/escalations?status=open");
        var empty = await console.GetFromJsonAsync<List<EscalationView>>("/api/escalations?status=empty_level");

        Assert.Equal([waiting.Id], open!.Select(e => e.NeedId));
        Assert.Empty(empty!);
    }

    [Fact]
    public async Task An_unknown_status_is_a_400_that_lists_the_valid_ones()
    {
        await AddStaffAsync("super", level: 1);
        using var console = await StaffLogin.LoggedInAsync(Fixture, "super");

        var response = await console.GetAsync("/api/escalations?status=lost");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("empty_level", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_escalations_api_needs_a_staff_login()
    {
        var response = await Fixture.Factory.CreateClient().GetAsync("/api/escalations");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Fixture.Factory.CreateClient().PostAsync("/api/needs/1/acknowledge", null)).StatusCode);
    }
}
