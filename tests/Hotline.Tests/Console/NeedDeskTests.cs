using System.Net;
using System.Net.Http.Json;
using Hotline.Tests.Support;

namespace Hotline.Tests.OperatorConsole;

public sealed class NeedDeskTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    async Task<(HttpClient Client, long NeedId)> NeedAsync(string menuDigit = "2")
    {
        await StaffLogin.AddStaffAsync(Fixture, "ana", "operator");
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", menuDigit);
        return (await StaffLogin.LoggedInAsync(Fixture, "ana"), await ScalarAsync<long>("SELECT id FROM needs"));
    }

    [Fact]
    public async Task Acknowledging_twice_counts_once()
    {
        var (client, id) = await NeedAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/needs/{id}/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/needs/{id}/acknowledge", null)).StatusCode);

        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'acknowledged'"));
        Assert.Equal("ana", await ScalarAsync<string>("SELECT s.username FROM needs n JOIN staff s ON s.id = n.acknowledged_by"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/needs/999999/acknowledge", null)).StatusCode);
    }

    [Fact]
    public async Task Bad_changes_are_refused_with_the_reason_and_change_nothing()
    {
        var (client, id) = await NeedAsync();

        var badOutcome = await client.PostAsJsonAsync($"/api/needs/{id}/resolve", new { outcome = "vanished" });
        var badCategory = await client.PostAsJsonAsync($"/api/needs/{id}/classify", new { category = "pets" });
        var emptyNote = await client.PostAsJsonAsync($"/api/needs/{id}/notes", new { text = "  " });
        var nobody = await client.PostAsJsonAsync($"/api/needs/{id}/assign", new { staffId = 424242 });

        Assert.All([badOutcome, badCategory, emptyNote, nobody], r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Contains("outcome must be one of", await badOutcome.Content.ReadAsStringAsync());
        Assert.Equal(("open", "medicine"), await RowAsync<(string, string)>("SELECT status, category FROM needs"));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE staff_id IS NOT NULL"));
    }

    [Fact]
    public async Task A_resolved_need_takes_notes_but_no_other_change()
    {
        var (client, id) = await NeedAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/needs/{id}/resolve", new { outcome = "medicine_delivered", note = "Left with neighbour" })).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"/api/needs/{id}/classify", new { urgency = "urgent" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/needs/{id}/notes", new { text = "Resident called to thank us" })).StatusCode);

        Assert.Equal(2, await ScalarAsync<long>("SELECT count(*) FROM need_notes"));
        Assert.Equal(("resolved", "medicine_delivered"), await RowAsync<(string, string)>("SELECT status, resolution FROM needs"));
    }

    [Fact]
    public async Task Raising_a_need_to_urgent_brings_its_deadline_forward()
    {
        var (client, id) = await NeedAsync("3");
        var before = await ScalarAsync<DateTime>("SELECT ack_deadline FROM needs");

        await client.PostAsJsonAsync($"/api/needs/{id}/classify", new { urgency = "urgent" });

        var after = await ScalarAsync<DateTime>("SELECT ack_deadline FROM needs");
        Assert.True(after < before.AddMinutes(-100), $"deadline {before:O} became {after:O}");
        Assert.Equal("urgent", await ScalarAsync<string>("SELECT urgency FROM needs"));
    }

    [Fact]
    public async Task Supervisor_api_is_for_supervisors_only()
    {
        var (operatorClient, _) = await NeedAsync();
        await StaffLogin.AddStaffAsync(Fixture, "sue", "supervisor");
        var supervisor = await StaffLogin.LoggedInAsync(Fixture, "sue");
        var staffId = await ScalarAsync<long>("SELECT id FROM staff WHERE username = 'ana'");

        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync("/api/supervisor/overview")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.PutAsJsonAsync($"/api/supervisor/staff/{staffId}", new { escalationLevel = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync("/api/supervisor/overview")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PutAsJsonAsync($"/api/supervisor/staff/{staffId}", new { escalationLevel = 2 })).StatusCode);
        Assert.Equal(2, await ScalarAsync<int>("SELECT escalation_level FROM staff WHERE username = 'ana'"));
    }
}
