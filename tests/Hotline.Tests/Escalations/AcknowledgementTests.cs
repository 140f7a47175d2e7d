extern alias sandbox;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Hotline.Escalations;
using Hotline.Tests.Support;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Escalations;

public sealed class AcknowledgementTests(HotlineFixture fixture) : EscalationTest(fixture)
{
    // Level 1 has been alerted by SMS: the point at which each route to acknowledge is tried.
    async Task<(StaffRow First, StaffRow Second, NeedRow Need)> AlertedAsync()
    {
        var first = await AddStaffAsync("first", level: 1);
        var second = await AddStaffAsync("second", level: 2);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(0.5));
        await WaitForAlertsAsync(need.Id, a => a.Count > 0);
        return (first, second, need);
    }

    // After an acknowledgement nothing more goes out: not the call, not the next level.
    async Task AssertLadderStoppedAsync(NeedRow need, long by, string via)
    {
        var before = await AlertsAsync(need.Id);
        await Task.Delay(LevelInterval + TimeSpan.FromSeconds(1));
        Assert.Equal(Shape(before), Shape(await AlertsAsync(need.Id)));
        Assert.DoesNotContain(before, a => a.Step > 0);

        var row = await RowAsync<(string Status, long? AcknowledgedBy, DateTime? AcknowledgedAt)>(
            "SELECT status, acknowledged_by, acknowledged_at FROM needs WHERE id = @Id", need);
        Assert.Equal(("acknowledged", by), (row.Status, row.AcknowledgedBy));
        Assert.NotNull(row.AcknowledgedAt);
        var audit = await ScalarAsync<string>(
            "SELECT details::text FROM audit_log WHERE entity = 'need' AND entity_id = @Id AND action = 'acknowledged' AND staff_id = @by",
            new { need.Id, by });
        Assert.Contains($"\"via\": \"{via}\"", audit);
    }

    [Fact]
    public async Task Ack_by_sms_from_a_supervisor_phone_stops_the_ladder()
    {
        var (first, _, need) = await AlertedAsync();

        var sent = await Fixture.Sandbox.Residents.SendSmsAsync(first.Phone!, $"ack {need.Reference}");

        Assert.Contains($"Need {need.Reference} is acknowledged by you", Assert.Single(sent.Replies).Body);
        await AssertLadderStoppedAsync(need, first.Id, Acknowledgements.ViaSms);
        // An acknowledgement is not a resident's request: no need was opened for it.
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM needs"));
    }

    [Fact]
    public async Task Pressing_1_on_the_alert_call_acknowledges_as_the_person_called()
    {
        var first = await AddStaffAsync("first", level: 1);
        await AddStaffAsync("second", level: 2);
        Phones.SetBehaviour(first.Phone!, new PhoneBehaviour { Presses = ["1"] });
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(0.5));

        var call = Assert.Single(await CallsReceivedAsync(first.Phone!));

        Assert.Equal("1", call.DigitsPressed);
        Assert.Contains(call.Said, s => s.Contains($"Need {string.Join(' ', need.Reference.ToCharArray())} is acknowledged"));
        await AssertLadderStoppedAsync(need, first.Id, Acknowledgements.ViaVoice);
    }

    [Fact]
    public async Task Other_keys_on_the_alert_call_acknowledge_nothing()
    {
        var first = await AddStaffAsync("first", level: 1);
        Phones.SetBehaviour(first.Phone!, new PhoneBehaviour { Presses = ["7", "7"] });
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(0.5));

        var call = Assert.Single(await CallsReceivedAsync(first.Phone!));

        Assert.Equal("77", call.DigitsPressed);
        Assert.Contains(call.Said, s => s.Contains("Nothing was acknowledged"));
        Assert.Equal("open", await ScalarAsync<string>("SELECT status FROM needs WHERE id = @Id", need));
    }

    [Fact]
    public async Task Acknowledging_in_the_console_stops_the_ladder_and_a_second_time_changes_nothing()
    {
        var (_, _, need) = await AlertedAsync();
        await AddStaffAsync("operator", level: null, role: "operator");
        var operatorId = await ScalarAsync<long>("SELECT id FROM staff WHERE username = 'operator'");
        using var console = await StaffLogin.LoggedInAsync(Fixture, "operator");

        var first = await console.PostAsync($"/api/needs/{need.Id}/acknowledge", null);
        var second = await console.PostAsync($"/api/needs/{need.Id}/acknowledge", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("acknowledged", (await second.Content.ReadFromJsonAsync<Hotline.Needs.Need>())!.Status);
        await AssertLadderStoppedAsync(need, operatorId, Acknowledgements.ViaConsole);
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM audit_log WHERE entity_id = @Id AND action = 'acknowledged'", need));
    }

    [Fact]
    public async Task Acknowledging_a_need_that_does_not_exist_is_404()
    {
        await AddStaffAsync("super", level: 1);
        using var console = await StaffLogin.LoggedInAsync(Fixture, "super");

        Assert.Equal(HttpStatusCode.NotFound, (await console.PostAsync("/api/needs/999999/acknowledge", null)).StatusCode);
    }

    [Fact]
    public async Task Acknowledging_calls_off_alerts_not_yet_handed_to_twilio()
    {
        var first = await AddStaffAsync("first", level: 1);
        // Not urgent, so that no ladder of its own writes alerts beside the one below.
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(-1), watch: false, urgency: "high");
        // Written but not yet claimed. Its send_after keeps the SMS pump's once-a-second poll from claiming it before
        // the ACK arrives (the alert then reads pending, on its way; it failed so once in a full run).
        await ExecuteAsync(
            """
            WITH m AS (
                INSERT INTO messages (direction, dedupe_key, from_phone, to_phone, body, purpose, status, need_id, send_after)
                VALUES ('outbound', 'esc:' || @Id || ':ack:0:sms:' || @first, '+8621000000000', @phone, 'alert', 'escalation', 'pending', @Id,
                        now() + interval '1 hour')
                RETURNING id)
            INSERT INTO escalations (need_id, kind, step, level, channel, recipient_id, status, message_id, dedupe_key, due_at, created_at, updated_at)
            SELECT @Id, 'ack', 0, 1, 'sms', @first, 'pending', m.id, 'esc:' || @Id || ':ack:0:sms:' || @first, now(), now(), now() FROM m
            """, new { need.Id, first = first.Id, phone = first.Phone });

        await SmsAsync(first.Phone!, $"ACK {need.Reference}");

        var alert = (await AlertsAsync(need.Id)).Single();
        Assert.Equal(AlertStatus.Cancelled, alert.Status);
        Assert.NotNull(alert.CancelledAt);
        Assert.Equal("canceled", await ScalarAsync<string>("SELECT status FROM messages WHERE id = @MessageId", alert));
    }

    [Fact]
    public async Task Ack_from_an_unknown_number_changes_nothing_and_says_so()
    {
        var (_, _, need) = await AlertedAsync();
        var stranger = Caller.NewPhone();

        var sent = await Fixture.Sandbox.Residents.SendSmsAsync(stranger, $"ACK {need.Reference}");

        Assert.Contains("This number is not registered to hotline staff", Assert.Single(sent.Replies).Body);
        Assert.Equal("open", await ScalarAsync<string>("SELECT status FROM needs WHERE id = @Id", need));
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM needs"));
    }

    [Theory]
    [InlineData("ACK 123456789")]
    [InlineData("ACK abc")]
    [InlineData("ACK")]
    public async Task Ack_with_an_unknown_or_missing_code_changes_nothing_and_says_so(string body)
    {
        var (first, _, need) = await AlertedAsync();

        var answer = await SmsAsync(first.Phone!, body);

        var reply = SmsReply(answer);
        Assert.True(reply.Contains("There is no need with the code") || reply.Contains("reply ACK followed by"), reply);
        Assert.Equal("open", await ScalarAsync<string>("SELECT status FROM needs WHERE id = @Id", need));
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM needs"));
    }

    [Fact]
    public async Task Ack_with_a_mistyped_code_does_not_acknowledge_a_neighbouring_need()
    {
        var (first, _, need) = await AlertedAsync();
        // One digit off: the check digit makes it a code that belongs to no need.
        var typo = need.Reference[..^2] + (char)('0' + (need.Reference[^2] - '0' + 1) % 10) + need.Reference[^1];

        var answer = await SmsAsync(first.Phone!, $"ACK {typo}");

        Assert.Contains($"no need with the code {typo}", SmsReply(answer));
        Assert.Equal("open", await ScalarAsync<string>("SELECT status FROM needs WHERE id = @Id", need));
    }

    [Fact]
    public async Task An_ack_repeated_by_the_same_person_gets_the_same_answer_and_changes_nothing_more()
    {
        var (first, _, need) = await AlertedAsync();

        var once = SmsReply(await SmsAsync(first.Phone!, $"ACK {need.Reference}"));
        var twice = SmsReply(await SmsAsync(first.Phone!, $"ACK {need.Reference}"));

        Assert.Equal(once, twice);
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM audit_log WHERE entity_id = @Id AND action = 'acknowledged'", need));
    }

    [Fact]
    public async Task A_residents_sms_still_opens_a_need()
    {
        var answer = await SmsAsync(Caller.NewPhone(), "Acknowledge please: my mother needs insulin");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM needs"));
    }

    [Fact]
    public async Task Acking_a_fulfilment_alert_stops_the_fulfilment_ladder_and_keeps_the_need_with_its_owner()
    {
        var owner = await AddStaffAsync("owner", level: null, role: "operator");
        var supervisor = await AddStaffAsync("super", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromMinutes(5), watch: false);
        await ExecuteAsync(
            "UPDATE needs SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = @owner, fulfil_deadline = now() WHERE id = @Id",
            new { need.Id, owner = owner.Id });
        await Service<EscalationRunner>().RunAsync(need.Id, false, CancellationToken.None);

        var answer = await SmsAsync(supervisor.Phone!, $"ACK {need.Reference}");

        Assert.Contains("is acknowledged by you", SmsReply(answer));
        await using var conn = await Db.OpenConnectionAsync();
        var row = await conn.QuerySingleAsync<(string Status, long AcknowledgedBy, long? FulfilAcknowledgedBy)>(
            "SELECT status, acknowledged_by, fulfil_acknowledged_by FROM needs WHERE id = @Id", need);
        Assert.Equal(("acknowledged", owner.Id, (long?)supervisor.Id), row);
        await Task.Delay(LevelInterval + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(await AlertsAsync(need.Id), a => a.Step > 0);
    }
}
