extern alias sandbox;
using System.Net.Http.Json;
using Dapper;
using Hotline.Escalations;
using Hotline.Tests.Support;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Escalations;

public sealed class LadderTests(HotlineFixture fixture) : EscalationTest(fixture)
{
    [Fact]
    public async Task Urgent_need_not_acknowledged_alerts_level_1_by_sms_then_by_call_then_level_2()
    {
        var first = await AddStaffAsync("first", level: 1);
        var second = await AddStaffAsync("second", level: 2);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(1));

        var alerts = await WaitForAlertsAsync(need.Id, a => a.Any(x => x.RecipientId == second.Id), seconds: 20);

        Assert.Equal(
            $"ack:0:L1:sms:{first.Id} ack:0:L1:voice:{first.Id} ack:1:L2:sms:{second.Id}",
            Shape(alerts));
        var sms = alerts[0];
        Assert.InRange((sms.CreatedAt - need.AckDeadline).TotalSeconds, -0.05, 2);
        Assert.InRange((alerts[1].CreatedAt - sms.CreatedAt).TotalSeconds, VoiceAfter.TotalSeconds - 0.05, VoiceAfter.TotalSeconds + 2);
        Assert.InRange((alerts[2].CreatedAt - sms.CreatedAt).TotalSeconds, LevelInterval.TotalSeconds - 0.05, LevelInterval.TotalSeconds + 2);

        // What the phones received: the SMS names the need and how to acknowledge it; the call reads the need out and
        // asks for 1 (nobody pressed it here).
        var firstSms = Assert.Single(await SmsReceivedAsync(first.Phone!));
        Assert.Contains($"need {need.Reference} (urgent medical, resident +86*******5678)", firstSms.Body);
        Assert.Contains($"Reply ACK {need.Reference}", firstSms.Body);
        var call = Assert.Single(await CallsReceivedAsync(first.Phone!));
        Assert.Contains(call.Said, s => s.Contains($"Need {string.Join(' ', need.Reference.ToCharArray())}, urgent medical") && s.Contains("Press 1"));
        Assert.Contains($"need {need.Reference}", Assert.Single(await SmsReceivedAsync(second.Phone!)).Body);
        Assert.Equal("open", await ScalarAsync<string>("SELECT status FROM needs WHERE id = @Id", need));
        // The console sees the SMS delivered and the call answered, with Twilio's SIDs.
        using var console = await StaffLogin.LoggedInAsync(Fixture, first.Username);
        var listed = await Eventually.WaitForAsync(
            async () => (await console.GetFromJsonAsync<List<EscalationView>>("/api/escalations"))!.Where(e => e.RecipientId == first.Id).ToList(),
            l => l.Count == 2 && l.All(e => e.Status == AlertStatus.Delivered));
        Assert.All(listed, e => Assert.Equal(AlertStatus.Delivered, e.Status));
        Assert.All(listed, e => Assert.NotNull(e.TwilioSid));
        Assert.All(listed, e => Assert.NotNull(e.SentAt));
    }

    [Fact]
    public async Task Need_acknowledged_before_its_deadline_sends_nothing()
    {
        var supervisor = await AddStaffAsync("super", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(1.5));
        using var console = await StaffLogin.LoggedInAsync(Fixture, supervisor.Username);

        (await console.PostAsync($"/api/needs/{need.Id}/acknowledge", null)).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1.5) + LevelInterval);

        Assert.Empty(await AlertsAsync(need.Id));
        Assert.Equal(0, await OutboundSmsCountAsync(supervisor.Phone!));
    }

    [Fact]
    public async Task A_level_with_nobody_on_duty_is_recorded_and_the_next_level_alerted_at_once()
    {
        await AddStaffAsync("off-duty", level: 1, onDuty: false);
        var second = await AddStaffAsync("second", level: 2);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(1));

        var alerts = await WaitForAlertsAsync(need.Id, a => a.Any(x => x.Channel == AlertChannel.Sms));

        Assert.Equal($"ack:0:L1:none:- ack:1:L2:sms:{second.Id}", Shape(alerts.Take(2)));
        Assert.Equal(AlertStatus.EmptyLevel, alerts[0].Status);
        Assert.InRange((alerts[1].CreatedAt - need.AckDeadline).TotalSeconds, -0.05, 2);
    }

    [Fact]
    public async Task A_failed_sms_moves_the_ladder_to_the_next_level_without_waiting_the_interval()
    {
        var first = await AddStaffAsync("first", level: 1);
        var second = await AddStaffAsync("second", level: 2);
        // Twilio refuses everything for this number (21610: the recipient has opted out).
        Phones.SetBehaviour(first.Phone!, new PhoneBehaviour { RestFailure = new RestFailure(400, 21610, "Attempt to send to unsubscribed recipient", Times: 100) });
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(0.5));

        var alerts = await WaitForAlertsAsync(need.Id, a => a.Any(x => x.RecipientId == second.Id));

        var sms = alerts[0];
        var next = alerts.Single(a => a.RecipientId == second.Id);
        Assert.Equal((first.Id, AlertChannel.Sms), (sms.RecipientId, sms.Channel));
        Assert.True(next.CreatedAt - sms.CreatedAt < LevelInterval - TimeSpan.FromSeconds(0.5),
            $"level 2 came {(next.CreatedAt - sms.CreatedAt).TotalSeconds:F1}s after level 1, not sooner than the interval");
        Assert.Equal(AlertStatus.Failed, (await AlertsAsync(need.Id)).Single(a => a.Id == sms.Id).Status);
        Assert.Single(await SmsReceivedAsync(second.Phone!));
        Assert.Empty(Phones.MessagesTo(first.Phone!));
    }

    [Fact]
    public async Task An_sms_the_carrier_could_not_deliver_counts_as_a_failed_alert()
    {
        var first = await AddStaffAsync("first", level: 1);
        Phones.SetBehaviour(first.Phone!, new PhoneBehaviour { Sms = SmsOutcome.Undelivered, SmsErrorCode = 30003 });
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(0.5));

        // Sent first, then reported undelivered: the alert follows its outbox row to failed, and a level whose
        // alerts all failed is passed over (see When_every_alert_of_a_level_failed_the_next_level_is_alerted_without_waiting).
        var alerts = await WaitForAlertsAsync(need.Id, a => a.Count > 0 && a[0].Status == AlertStatus.Failed);

        Assert.NotNull(alerts[0].SentAt);
        Assert.Equal("undelivered", await ScalarAsync<string>("SELECT status FROM messages WHERE id = @MessageId", alerts[0]));
    }

    [Fact]
    public async Task The_sweep_escalates_a_need_whose_check_was_never_scheduled()
    {
        var supervisor = await AddStaffAsync("super", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(-1), watch: false);

        var alerts = await WaitForAlertsAsync(need.Id, a => a.Count > 0, seconds: 10);

        Assert.Equal(supervisor.Id, alerts[0].RecipientId);
        Assert.Equal(AlertChannel.Sms, alerts[0].Channel);
    }

    [Fact]
    public async Task A_need_an_operator_makes_urgent_gets_the_urgent_deadline_and_climbs_the_ladder()
    {
        await AddStaffAsync("super", level: 1);
        await AddStaffAsync("op", level: null, role: "operator");
        var need = await UrgentNeedAsync(TimeSpan.FromHours(2), watch: false, urgency: "normal");
        using var console = await StaffLogin.LoggedInAsync(Fixture, "op");
        const string jobs = "SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%EscalationJob%'";
        var before = await ScalarAsync<long>(jobs);

        (await console.PostAsJsonAsync($"/api/needs/{need.Id}/classify", new { urgency = "urgent" })).EnsureSuccessStatusCode();

        var deadline = await ScalarAsync<DateTime>("SELECT ack_deadline FROM needs WHERE id = @Id", need);
        Assert.InRange((deadline - DateTime.UtcNow).TotalMinutes, 4, 5);
        // Watched from then on: the check sits in Hangfire, ahead of the deadline.
        Assert.Equal(before + 1, await ScalarAsync<long>(jobs));
        // Five minutes is too long to wait here: bring the deadline forward and let the sweep take it from there. The
        // ladder's bookmark of the deadline moves with it, should a run have set one, or the sweep would wait for it.
        await ExecuteAsync("UPDATE needs SET escalation_due_at = escalation_due_at - (ack_deadline - now()), ack_deadline = now() WHERE id = @Id", need);
        await WaitForAlertsAsync(need.Id, a => a.Count > 0, seconds: 10);
    }

    [Fact]
    public async Task An_urgent_need_opened_by_the_call_menu_is_watched_from_its_deadline()
    {
        var jobs = await ScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%EscalationJob%'");
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");

        await caller.Press("/twilio/voice/menu?attempt=1", "1");

        Assert.Equal("urgent", await ScalarAsync<string>("SELECT urgency FROM needs WHERE phone = @From", caller));
        Assert.Equal(jobs + 1, await ScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%EscalationJob%'"));
    }

    [Fact]
    public async Task An_acknowledged_need_past_its_fulfilment_deadline_alerts_its_owner_then_the_supervisors()
    {
        var owner = await AddStaffAsync("owner", level: null, role: "operator");
        var supervisor = await AddStaffAsync("super", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromMinutes(5), watch: false);
        await ExecuteAsync(
            """
            UPDATE needs SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = @owner,
                fulfil_deadline = now() + interval '1 second'
            WHERE id = @Id
            """, new { need.Id, owner = owner.Id });
        Service<EscalationScheduler>().Watch(need.Id, DateTime.UtcNow.AddSeconds(1));

        var alerts = await WaitForAlertsAsync(need.Id, a => a.Any(x => x.RecipientId == supervisor.Id));

        Assert.Equal($"fulfil:0:L0:sms:{owner.Id} fulfil:0:L0:voice:{owner.Id} fulfil:1:L1:sms:{supervisor.Id}",
            Shape(alerts));
        Assert.Contains("fulfilment", await ScalarAsync<string>("SELECT body FROM messages WHERE id = @MessageId", alerts[0]));
    }

    [Fact]
    public async Task A_normal_need_is_never_escalated_for_acknowledgement()
    {
        await AddStaffAsync("super", level: 1);
        var need = await UrgentNeedAsync(TimeSpan.FromSeconds(-5), urgency: "normal");

        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Empty(await AlertsAsync(need.Id));
        await using var conn = await Db.OpenConnectionAsync();
        Assert.Null(await conn.ExecuteScalarAsync<DateTime?>("SELECT escalation_due_at FROM needs WHERE id = @Id", need));
    }
}
