using System.Net;
using System.Net.Http.Json;
using Hotline.Residents;
using Hotline.Staff;
using Hotline.Tests.Support;

namespace Hotline.Tests.Residents;

public sealed class ResidentApiTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    async Task<HttpClient> OperatorAsync(bool onDuty = false)
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", Roles.Operator, onDuty);
        return await StaffLogin.LoggedInAsync(Fixture, "op");
    }

    Task SeedAsync() => ExecuteAsync(
        """
        INSERT INTO residents (phone, name, address, language, flags) VALUES
            ('+8613800138001', 'Wang Fang', '12 Lane 3', 'zh-CN', '{elderly_alone}'),
            ('+8613900138002', 'Li Wei', '5 Road 1', 'en-US', '{dialysis,disabled}'),
            ('+8613700001234', 'Wang Jun', '9 Lane 8', NULL, '{}')
        """);

    [Fact]
    public async Task Staff_find_residents_by_name_by_any_part_of_the_number_and_by_flag()
    {
        await SeedAsync();
        using var client = await OperatorAsync();

        var byName = await client.GetFromJsonAsync<List<Resident>>("/api/residents?q=wang");
        Assert.Equal(["Wang Fang", "Wang Jun"], byName!.Select(r => r.Name));

        var byDigits = await client.GetFromJsonAsync<List<Resident>>("/api/residents?q=1234");
        Assert.Equal("Wang Jun", Assert.Single(byDigits!).Name);

        var byLocalNumber = await client.GetFromJsonAsync<List<Resident>>("/api/residents?q=139%200013%208002");
        Assert.Equal("Li Wei", Assert.Single(byLocalNumber!).Name);

        var flagged = await client.GetFromJsonAsync<List<Resident>>("/api/residents?flag=dialysis");
        Assert.Equal(["dialysis", "disabled"], Assert.Single(flagged!).Flags);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/residents?flag=vip")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Fixture.Factory.CreateClient().GetAsync("/api/residents?q=wang")).StatusCode);
    }

    [Fact]
    public async Task A_resident_shows_with_their_calls_and_needs()
    {
        await SeedAsync();
        var caller = new Caller(Twilio, "+8613800138001");
        await caller.Dial();
        await caller.Press("/twilio/voice/menu?attempt=1", "2");
        using var client = await OperatorAsync();
        var id = await ScalarAsync<long>("SELECT id FROM residents WHERE phone = '+8613800138001'");

        var detail = await client.GetFromJsonAsync<ResidentDetail>($"/api/residents/{id}");

        Assert.Equal("Wang Fang", detail!.Resident.Name);
        var call = Assert.Single(detail.Calls);
        Assert.Equal(caller.CallSid, call.CallSid);
        var need = Assert.Single(detail.Needs);
        Assert.Equal(("medicine", "urgent"), (need.Category, need.Urgency));
        Assert.Equal(call.NeedReference, need.Reference);
        Assert.Empty(detail.WellnessChecks);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/residents/999999")).StatusCode);
    }

    [Fact]
    public async Task Editing_flags_and_language_is_checked_and_audited()
    {
        await SeedAsync();
        using var client = await OperatorAsync();
        var id = await ScalarAsync<long>("SELECT id FROM residents WHERE phone = '+8613700001234'");

        var response = await client.PutAsJsonAsync($"/api/residents/{id}", new { flags = new[] { "Pregnant", "elderly-alone" }, language = "en" });
        var updated = await response.Content.ReadFromJsonAsync<Resident>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["elderly_alone", "pregnant"], updated!.Flags);
        Assert.Equal("en-US", updated.Language);
        Assert.Equal("Wang Jun", updated.Name);
        var audit = await RowAsync<(string Actor, string Action, string Details)>(
            "SELECT actor, action, details::text FROM audit_log WHERE entity = 'resident' AND entity_id = @id", new { id });
        Assert.Equal(("op", "updated"), (audit.Actor, audit.Action));
        Assert.Contains("\"flags\": [[], [\"elderly_alone\", \"pregnant\"]]", audit.Details);
        Assert.Contains("\"language\": [null, \"en-US\"]", audit.Details);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/api/residents/{id}", new { flags = new[] { "vip" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/api/residents/{id}", new { language = "fr" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync("/api/residents/999999", new { language = "en" })).StatusCode);
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM audit_log WHERE entity = 'resident'"));
    }

    [Fact]
    public async Task The_waiting_list_shows_a_flagged_caller_before_anyone_picks_up()
    {
        await SeedAsync();
        using var client = await OperatorAsync(onDuty: true);
        var flagged = new Caller(Twilio, "+8613900138002");
        await flagged.Dial();
        await flagged.Press("/twilio/voice/menu?attempt=1", "3");
        var stranger = new Caller(Twilio, Caller.NewPhone());
        await stranger.Dial();
        await stranger.Press("/twilio/voice/language", "2");
        await stranger.Press("/twilio/voice/menu?attempt=1", "1");

        var waiting = await client.GetFromJsonAsync<List<ResidentEndpoints.WaitingCaller>>("/api/residents/waiting");

        Assert.NotNull(waiting);
        Assert.Equal([stranger.CallSid, flagged.CallSid], waiting.Select(w => w.CallSid));
        Assert.Equal(("urgent", "urgent_medical"), (waiting[0].Queue, waiting[0].Category));
        Assert.Empty(waiting[0].Flags);
        Assert.Equal(("general", "Li Wei", "high"), (waiting[1].Queue, waiting[1].ResidentName, waiting[1].Urgency));
        Assert.Equal(["dialysis", "disabled"], waiting[1].Flags);
        Assert.Equal("+86*******8002", waiting[1].Phone);

        await flagged.Status("completed");
        Assert.Single((await client.GetFromJsonAsync<List<ResidentEndpoints.WaitingCaller>>("/api/residents/waiting"))!);
    }
}
