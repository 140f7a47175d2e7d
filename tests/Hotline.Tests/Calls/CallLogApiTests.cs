using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Tests.Support;

namespace Hotline.Tests.Calls;

public sealed class CallLogApiTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    async Task<HttpClient> OperatorAsync()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator");
        return await StaffLogin.LoggedInAsync(Fixture, "op");
    }

    async Task SeedCallsAsync(int count, string outcome, DateTime startedAt, string phone = "+8613800000010")
    {
        await ExecuteAsync(
            """
            INSERT INTO calls (call_sid, direction, from_phone, to_phone, status, outcome, started_at)
            SELECT 'CA' || md5(random()::text), 'inbound', @phone, '+8621000000000', 'completed', @outcome, @startedAt - make_interval(secs => g)
            FROM generate_series(1, @count) g
            """,
            new { count, outcome, startedAt, phone });
    }

    [Fact]
    public async Task The_log_shows_the_last_24_hours_newest_first_in_pages_that_cover_every_call_once()
    {
        var now = DateTime.UtcNow;
        await SeedCallsAsync(7, "answered", now);
        await SeedCallsAsync(3, "voicemail", now.AddHours(-30));
        var client = await OperatorAsync();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/calls?limit=3{(cursor is null ? "" : "&cursor=" + cursor)}");
            var calls = page.GetProperty("calls").EnumerateArray().ToList();
            Assert.True(calls.Count <= 3);
            seen.AddRange(calls.Select(c => c.GetProperty("callSid").GetString()!));
            var times = calls.Select(c => c.GetProperty("startedAt").GetDateTime()).ToList();
            Assert.Equal(times.OrderByDescending(t => t), times);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Distinct().Count());
    }

    [Fact]
    public async Task Filters_narrow_the_log_and_numbers_are_masked()
    {
        var now = DateTime.UtcNow;
        await SeedCallsAsync(2, "answered", now, "+8613800000011");
        await SeedCallsAsync(3, "voicemail", now, "+8613800000012");
        var client = await OperatorAsync();

        var voicemails = await client.GetFromJsonAsync<JsonElement>("/api/calls?outcome=voicemail");
        Assert.Equal(3, voicemails.GetProperty("calls").GetArrayLength());

        var byPhone = await client.GetFromJsonAsync<JsonElement>("/api/calls?phone=13800000011");
        var rows = byPhone.GetProperty("calls").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("+86*******0011", r.GetProperty("phone").GetString()));

        var old = await client.GetFromJsonAsync<JsonElement>($"/api/calls?since={now.AddDays(-3):O}&until={now.AddDays(-2):O}");
        Assert.Equal(0, old.GetProperty("calls").GetArrayLength());
    }

    [Fact]
    public async Task The_category_filter_lists_the_calls_whose_need_is_of_that_category()
    {
        // Digits 1 and 2 of the menu: urgent medical and medicine (appsettings.json).
        var medical = new Caller(Twilio, Caller.NewPhone());
        var medicine = new Caller(Twilio, Caller.NewPhone());
        foreach (var (caller, digit) in new[] { (medical, "1"), (medicine, "2") })
        {
            await caller.Dial();
            await caller.Press("/twilio/voice/language", "2");
            await caller.Press("/twilio/voice/menu?attempt=1", digit);
        }

        await SeedCallsAsync(2, "answered", DateTime.UtcNow);
        var client = await OperatorAsync();

        var page = await client.GetFromJsonAsync<JsonElement>("/api/calls?category=medicine");
        var row = Assert.Single(page.GetProperty("calls").EnumerateArray());
        Assert.Equal("medicine", row.GetProperty("category").GetString());
        Assert.Equal(medicine.CallSid, row.GetProperty("callSid").GetString());
        var csv = await client.GetStringAsync("/api/calls.csv?category=urgent_medical");
        Assert.Equal(2, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(medical.CallSid, csv);
    }

    [Fact]
    public async Task Bad_filters_are_a_400_that_says_what_is_wrong()
    {
        var client = await OperatorAsync();

        foreach (var (query, reason) in new[] { ("outcome=lost", "outcome"), ("since=yesterday", "since"), ("phone=abc", "phone"), ("cursor=zzz", "cursor") })
        {
            var response = await client.GetAsync($"/api/calls?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_csv_export_has_a_header_and_one_line_per_call_and_defuses_formulas()
    {
        await SeedCallsAsync(4, "answered", DateTime.UtcNow);
        await ExecuteAsync("UPDATE calls SET from_phone = '=HYPERLINK(1)' WHERE id = (SELECT min(id) FROM calls)");
        await ExecuteAsync("UPDATE calls SET direction = 'inbound'");
        var client = await OperatorAsync();

        var response = await client.GetAsync("/api/calls.csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("CallSid,Direction,Phone,StartedAt", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.DoesNotContain(lines, l => l.Contains(",=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Needs_are_listed_most_urgent_first()
    {
        await Twilio.PostAsync("/twilio/sms/incoming", new Dictionary<string, string> { ["MessageSid"] = "SM1", ["From"] = "+8613800000020", ["Body"] = "a" });
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "1");
        var client = await OperatorAsync();

        var needs = await client.GetFromJsonAsync<JsonElement>("/api/needs?status=open");
        Assert.Equal(["urgent", "normal"], needs.EnumerateArray().Select(n => n.GetProperty("urgency").GetString()!).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/needs?urgency=extreme")).StatusCode);
    }
}
