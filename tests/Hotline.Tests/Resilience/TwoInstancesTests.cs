using System.Net;
using System.Net.Http.Json;
using Hotline.OperatorConsole;
using Hotline.Tests.Support;

namespace Hotline.Tests.Resilience;

// Two app hosts on one database, as two instances behind a load balancer: each console's live board must show what
// was done through the other, since only PostgreSQL (the live sequences each instance watches) connects them.
public sealed class TwoInstancesTests(HotlineFixture fixture) : HotlineTest(fixture), IAsyncLifetime
{
    SecondInstance other = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await Fixture.ResetAsync();
        other = SecondInstance.Start(Fixture);
    }

    async Task IAsyncLifetime.DisposeAsync() => await other.DisposeAsync();

    [Fact]
    public async Task The_live_board_on_either_instance_shows_changes_made_through_the_other()
    {
        await StaffLogin.AddStaffAsync(Fixture, "ana", "operator");
        await StaffLogin.AddStaffAsync(Fixture, "bo", "operator");
        var onA = await StaffLogin.LoggedInAsync(Fixture.Factory, "ana");
        var onB = await StaffLogin.LoggedInAsync(other.Factory, "bo");
        using var streamA = await LiveAsync(onA);
        using var streamB = await LiveAsync(onB);
        Assert.Equal(2L, await Eventually.WaitForAsync(() => LiveWatchers.LookingAsync(Db), n => n == 2));
        // The logins' own notices may still be on their way: once a marker written now comes through, they are behind us.
        await ExecuteAsync("INSERT INTO calls (call_sid, direction, from_phone, to_phone, started_at) VALUES ('CA-marker', 'inbound', '+8613800000001', '+8621000000000', now())");
        await NextChangeAsync(streamA, "calls");
        await NextChangeAsync(streamB, "calls");

        // bo goes on duty through instance B: ana's board on instance A hears of it and shows bo on duty.
        (await onB.PostAsJsonAsync("/api/staff/me/duty", new BoardEndpoints.DutyRequest(true))).EnsureSuccessStatusCode();
        await NextChangeAsync(streamA, "staff");
        var boardA = await onA.GetFromJsonAsync<BoardView>("/api/board");
        Assert.Contains(boardA!.OnDuty, s => s.DisplayName == "bo");

        // A resident's call reaches instance A: bo's board on instance B hears of it.
        var caller = new Caller(new TwilioWebhooks(Fixture.Factory), Caller.NewPhone());
        Assert.Equal(HttpStatusCode.OK, (await caller.Dial()).Status);
        await NextChangeAsync(streamB, "calls");
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM calls WHERE call_sid = @sid", new { sid = caller.CallSid }));
    }

    static async Task<StreamReader> LiveAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("data: *", await LiveStream.NextDataAsync(reader, TimeSpan.FromSeconds(15)));
        return reader;
    }

    // Skips notices for other tables (the logins' own, for instance) until the expected one arrives.
    static async Task NextChangeAsync(StreamReader reader, string table)
    {
        while (await LiveStream.NextDataAsync(reader, TimeSpan.FromSeconds(15)) != $"data: {table}")
        {
        }
    }
}
