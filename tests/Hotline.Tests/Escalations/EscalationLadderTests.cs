using Hotline.Escalations;

namespace Hotline.Tests.Escalations;

// The pure decision of who is alerted when; the jobs and the sweep only write what it says.
public sealed class EscalationLadderTests
{
    static readonly DateTime T = new(2026, 4, 10, 8, 0, 0, DateTimeKind.Utc);
    static readonly EscalationOptions Options = new() { Levels = 3, VoiceAfterSeconds = 60, LevelIntervalSeconds = 180 };

    static LadderNeed Urgent(string status = "open") => new()
    {
        Id = 7, Reference = "100017", Category = "urgent_medical", Urgency = "urgent", Status = status, Phone = "+8613800000000",
        AckDeadline = T, FulfilDeadline = T.AddHours(3), CreatedAt = T.AddMinutes(-5),
    };

    static LadderMember Member(long id, int level) => new() { Id = id, Level = level };

    static readonly LadderMember[] Ladder = [Member(1, 1), Member(2, 1), Member(3, 2), Member(4, 3)];

    // What the database would hold after writing these alerts at the given moment.
    static List<Alert> Written(IEnumerable<DueAlert> due, DateTime at, string status = AlertStatus.Pending) =>
        due.Select(a => new Alert
        {
            Kind = a.Kind, Step = a.Step, Level = a.Level, Channel = a.Channel, RecipientId = a.RecipientId, DueAt = a.DueAt, CreatedAt = at,
            Status = a.Channel == AlertChannel.None ? AlertStatus.EmptyLevel : status,
        }).ToList();

    static string Describe(IEnumerable<DueAlert> due) =>
        string.Join(" ", due.Select(a => $"{a.Step}:L{a.Level}:{a.Channel}:{a.RecipientId?.ToString() ?? "-"}"));

    [Fact]
    public void Nothing_is_due_before_the_acknowledgement_deadline()
    {
        var plan = EscalationLadder.Plan(Urgent(), [], Ladder, ownerReachable: false, T.AddSeconds(-1), Options);

        Assert.Empty(plan.Due);
        Assert.Equal(T, plan.NextAt);
    }

    [Fact]
    public void At_the_deadline_everyone_on_level_1_gets_an_sms_and_the_call_follows()
    {
        var plan = EscalationLadder.Plan(Urgent(), [], Ladder, false, T, Options);

        Assert.Equal("0:L1:sms:1 0:L1:sms:2", Describe(plan.Due));
        Assert.All(plan.Due, a => Assert.Equal(T, a.DueAt));
        Assert.Equal(T.AddSeconds(60), plan.NextAt);
    }

    [Fact]
    public void The_voice_call_is_due_after_the_sms_then_level_2_after_the_interval()
    {
        var history = Written(EscalationLadder.Plan(Urgent(), [], Ladder, false, T, Options).Due, T);

        var voice = EscalationLadder.Plan(Urgent(), history, Ladder, false, T.AddSeconds(60), Options);
        Assert.Equal("0:L1:voice:1 0:L1:voice:2", Describe(voice.Due));
        Assert.Equal(T.AddSeconds(180), voice.NextAt);

        history.AddRange(Written(voice.Due, T.AddSeconds(60)));
        Assert.Empty(EscalationLadder.Plan(Urgent(), history, Ladder, false, T.AddSeconds(179), Options).Due);
        var level2 = EscalationLadder.Plan(Urgent(), history, Ladder, false, T.AddSeconds(180), Options);
        Assert.Equal("1:L2:sms:3", Describe(level2.Due));
    }

    [Fact]
    public void Written_alerts_are_never_due_again()
    {
        var first = EscalationLadder.Plan(Urgent(), [], Ladder, false, T, Options);

        var again = EscalationLadder.Plan(Urgent(), Written(first.Due, T), Ladder, false, T.AddSeconds(1), Options);

        Assert.Empty(again.Due);
    }

    [Fact]
    public void An_empty_level_is_recorded_and_the_next_level_is_alerted_at_once()
    {
        var plan = EscalationLadder.Plan(Urgent(), [], [Member(3, 2), Member(4, 3)], false, T, Options);

        Assert.Equal("0:L1:none:- 1:L2:sms:3", Describe(plan.Due));
    }

    [Fact]
    public void Past_the_top_the_top_level_is_alerted_again_every_interval()
    {
        var history = new List<Alert>();
        var at = T;
        for (var i = 0; i < 5; i++, at = at.AddSeconds(180))
        {
            var plan = EscalationLadder.Plan(Urgent(), history, Ladder, false, at, Options);
            history.AddRange(Written(plan.Due.Where(a => a.Channel == AlertChannel.Sms), at));
        }

        Assert.Equal("0:L1:sms:1 0:L1:sms:2 1:L2:sms:3 2:L3:sms:4 3:L3:sms:4 4:L3:sms:4",
            string.Join(" ", history.Select(a => $"{a.Step}:L{a.Level}:{a.Channel}:{a.RecipientId}")));
    }

    [Fact]
    public void With_the_top_level_empty_the_highest_level_on_duty_keeps_being_alerted()
    {
        var onDuty = new[] { Member(1, 1) };
        var history = Written(EscalationLadder.Plan(Urgent(), [], onDuty, false, T, Options).Due, T);

        var plan = EscalationLadder.Plan(Urgent(), history, onDuty, false, T.AddSeconds(180), Options);

        // Level 2 empty, so level 3 at once; level 3 empty too, so level 1 again.
        Assert.Equal("1:L2:none:- 2:L3:none:- 2:L1:sms:1", Describe(plan.Due.Where(a => a.Channel != AlertChannel.Voice)));
    }

    [Fact]
    public void With_nobody_on_duty_every_level_is_recorded_empty_and_tried_again_after_the_interval()
    {
        var plan = EscalationLadder.Plan(Urgent(), [], [], false, T, Options);

        Assert.Equal("0:L1:none:- 1:L2:none:- 2:L3:none:-", Describe(plan.Due));
        Assert.Equal(T.AddSeconds(180), plan.NextAt);
    }

    [Fact]
    public void When_every_alert_of_a_level_failed_the_next_level_is_alerted_without_waiting()
    {
        var sms = EscalationLadder.Plan(Urgent(), [], [Member(1, 1), Member(3, 2)], false, T, Options).Due;
        var failed = Written(sms, T, AlertStatus.Failed);

        var plan = EscalationLadder.Plan(Urgent(), failed, [Member(1, 1), Member(3, 2)], false, T.AddSeconds(5), Options);

        Assert.Equal("1:L2:sms:3", Describe(plan.Due));
        Assert.Equal(T.AddSeconds(5), plan.Due[0].DueAt);
    }

    [Fact]
    public void One_delivered_alert_on_a_level_keeps_the_ladder_at_its_pace()
    {
        var history = Written(EscalationLadder.Plan(Urgent(), [], Ladder, false, T, Options).Due, T);
        history[0] = history[0] with { Status = AlertStatus.Failed };
        history[1] = history[1] with { Status = AlertStatus.Delivered };

        Assert.Empty(EscalationLadder.Plan(Urgent(), history, Ladder, false, T.AddSeconds(5), Options).Due);
    }

    [Fact]
    public void After_an_outage_the_ladder_starts_at_the_first_level_instead_of_alerting_every_level_at_once()
    {
        var late = T.AddMinutes(30);

        var plan = EscalationLadder.Plan(Urgent(), [], Ladder, false, late, Options);

        Assert.Equal("0:L1:sms:1 0:L1:sms:2", Describe(plan.Due));
        Assert.Equal(late.AddSeconds(60), plan.NextAt);
    }

    [Theory]
    [InlineData("acknowledged")]
    [InlineData("resolved")]
    [InlineData("cancelled")]
    public void An_acknowledged_or_closed_need_has_no_acknowledgement_alerts(string status)
    {
        var need = Urgent(status) with { AcknowledgedBy = 9 };

        var plan = EscalationLadder.Plan(need, [], Ladder, true, T.AddMinutes(10), Options);

        Assert.DoesNotContain(plan.Due, a => a.Kind == AlertKind.Ack);
    }

    [Fact]
    public void A_need_that_is_not_urgent_has_no_acknowledgement_ladder()
    {
        Assert.Equal(LadderPlan.Idle, EscalationLadder.Plan(Urgent() with { Urgency = "high" }, [], Ladder, false, T.AddHours(1), Options));
    }

    [Fact]
    public void A_missed_fulfilment_deadline_alerts_the_owner_then_the_supervisors()
    {
        var need = Urgent("acknowledged") with { AcknowledgedBy = 9, AcknowledgedAt = T.AddMinutes(-1) };
        var deadline = need.FulfilDeadline;
        Assert.Equal(deadline, EscalationLadder.Plan(need, [], Ladder, true, T.AddMinutes(10), Options).NextAt);

        var owner = EscalationLadder.Plan(need, [], Ladder, true, deadline, Options);
        Assert.Equal("0:L0:sms:9", Describe(owner.Due));
        Assert.All(owner.Due, a => Assert.Equal(AlertKind.Fulfil, a.Kind));

        var history = Written(owner.Due, deadline);
        var supervisors = EscalationLadder.Plan(need, history, Ladder, true, deadline.AddSeconds(180), Options);
        Assert.Equal("1:L1:sms:1 1:L1:sms:2", Describe(supervisors.Due.Where(a => a.Channel == AlertChannel.Sms)));
    }

    [Fact]
    public void An_owner_without_a_phone_is_skipped_straight_to_level_1()
    {
        var need = Urgent("acknowledged") with { AcknowledgedBy = 9 };

        var plan = EscalationLadder.Plan(need, [], Ladder, ownerReachable: false, need.FulfilDeadline, Options);

        Assert.Equal("0:L0:none:- 1:L1:sms:1 1:L1:sms:2", Describe(plan.Due));
    }

    [Fact]
    public void An_acknowledged_fulfilment_alert_stops_that_ladder()
    {
        var need = Urgent("acknowledged") with { AcknowledgedBy = 9, FulfilAcknowledgedAt = T.AddHours(3) };

        Assert.Equal(LadderPlan.Idle, EscalationLadder.Plan(need, [], Ladder, true, T.AddHours(4), Options));
    }

    [Fact]
    public void Staff_above_the_configured_levels_count_as_the_top_level()
    {
        var plan = EscalationLadder.Plan(Urgent(), [], [Member(5, 7)], false, T, Options);

        Assert.Equal("0:L1:none:- 1:L2:none:- 2:L3:sms:5", Describe(plan.Due));
    }

    [Fact]
    public void Dedupe_keys_tell_need_ladder_step_channel_and_recipient_apart()
    {
        Assert.Equal("esc:7:ack:2:voice:4", new DueAlert(AlertKind.Ack, 2, 3, AlertChannel.Voice, 4, T).DedupeKey(7));
        Assert.Equal("esc:7:fulfil:0:none:none", new DueAlert(AlertKind.Fulfil, 0, 0, AlertChannel.None, null, T).DedupeKey(7));
    }
}
