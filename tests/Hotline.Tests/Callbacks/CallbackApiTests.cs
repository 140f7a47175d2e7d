using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Tests.Support;

namespace Hotline.Tests.Callbacks;

public sealed class CallbackApiTests(HotlineFixture fixture) : CallbackTest(fixture)
{
    [Fact]
    public async Task An_operator_schedules_a_callback_for_later_and_a_second_one_for_the_number_merges()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var at = DateTimeOffset.UtcNow.AddHours(2);

        var created = await client.PostAsJsonAsync("/api/callbacks", new { phone = "13800001111", at, note = "after dialysis" });
        var again = await client.PostAsJsonAsync("/api/callbacks", new { phone = "+8613800001111", urgency = "high" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var merged = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(merged.GetProperty("merged").GetBoolean());
        var callback = merged.GetProperty("callback").GetProperty("callback");
        Assert.Equal(("+8613800001111", "console", "high", 2), (callback.GetProperty("phone").GetString(), callback.GetProperty("source").GetString(),
            callback.GetProperty("urgency").GetString(), callback.GetProperty("requests").GetInt32()));
        Assert.Equal(["opened", "merged"], merged.GetProperty("callback").GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task A_callback_scheduled_for_later_is_not_offered_before_its_time()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        await client.PostAsJsonAsync("/api/callbacks", new { phone = "+8613800002222", at = DateTimeOffset.UtcNow.AddHours(1) });

        var next = await client.GetFromJsonAsync<JsonElement>("/api/callbacks/next");

        Assert.Equal(JsonValueKind.Null, next.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Scheduling_refuses_what_is_not_a_phone_number_or_a_known_need()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/callbacks", new { phone = "call me" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/callbacks", new { phone = "+8613800003333", needId = 999 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/callbacks", new { phone = "+8613800003333", urgency = "soon" })).StatusCode);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM callbacks"));
    }

    [Fact]
    public async Task The_list_shows_pending_callbacks_first_in_working_order_with_their_attempts()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var early = await CallerWithNeedAsync(category: "3");
        var urgent = await CallerWithNeedAsync(category: "1");
        var late = await CallerWithNeedAsync(category: "3");
        foreach (var caller in new[] { late, urgent, early })
        {
            await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", "5"));
            await caller.Status("completed", 30);
        }

        var cancelledId = await ScalarAsync<long>("SELECT id FROM callbacks WHERE phone = @From", late);
        await ExecuteAsync("UPDATE callbacks SET status = 'cancelled', closed_at = now() WHERE id = @cancelledId", new { cancelledId });
        await ExecuteAsync("UPDATE callbacks SET attempts = 1, failures = 1 WHERE phone = @From", early);
        await ExecuteAsync(
            """
            INSERT INTO calls (call_sid, direction, from_phone, to_phone, started_at, status) VALUES ('CAx', 'outbound-api', '+8621000000000', @From, now(), 'busy');
            INSERT INTO callback_attempts (callback_id, attempt_no, mode, call_id, result, started_at)
            SELECT cb.id, 1, 'automatic', c.id, 'busy', now() FROM callbacks cb, calls c WHERE cb.phone = @From AND c.call_sid = 'CAx';
            """, early);

        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var list = await client.GetFromJsonAsync<JsonElement>("/api/callbacks");

        Assert.Equal([urgent.From, early.From, late.From], list.EnumerateArray().Select(v => v.GetProperty("callback").GetProperty("phone").GetString()));
        Assert.Equal("busy", list[1].GetProperty("attempts")[0].GetProperty("result").GetString());
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/api/callbacks?status=pending")).GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/callbacks?status=lost")).StatusCode);
    }

    [Fact]
    public async Task Cancelling_needs_a_reason_is_audited_and_happens_once()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var created = await (await client.PostAsJsonAsync("/api/callbacks", new { phone = "+8613800004444" })).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("callback").GetProperty("callback").GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"/api/callbacks/{id}/cancel", new { reason = " " })).StatusCode);
        var cancelled = await client.PostAsJsonAsync($"/api/callbacks/{id}/cancel", new { reason = "resident came to the office" });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"/api/callbacks/{id}/cancel", new { reason = "again" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/callbacks/99999/cancel", new { reason = "x" })).StatusCode);

        Assert.Equal(("cancelled", "resident came to the office"), await RowAsync<(string, string)>("SELECT status, close_reason FROM callbacks"));
        var audit = await RowAsync<(string Actor, string Action, string Details)>(
            "SELECT actor, action, details::text FROM audit_log WHERE entity = 'callback' AND entity_id = @id", new { id });
        Assert.Equal(("op", "cancelled"), (audit.Actor, audit.Action));
        Assert.Contains("resident came to the office", audit.Details);
    }

    [Fact]
    public async Task Dialling_needs_a_phone_on_the_staff_record()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var client = await StaffLogin.LoggedInAsync(Fixture, "op");
        var created = await (await client.PostAsJsonAsync("/api/callbacks", new { phone = "+8613800005555" })).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("callback").GetProperty("callback").GetProperty("id").GetInt64();

        var dial = await client.PostAsync($"/api/callbacks/{id}/dial", null);

        Assert.Equal(HttpStatusCode.BadRequest, dial.StatusCode);
        Assert.Equal("pending", await ScalarAsync<string>("SELECT status FROM callbacks"));
    }
}
