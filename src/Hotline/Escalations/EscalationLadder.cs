namespace Hotline.Escalations;

// An alert that is due now and not yet written. RecipientId is null for a level found empty.
public sealed record DueAlert(string Kind, int Step, int Level, string Channel, long? RecipientId, DateTime DueAt)
{
    public string DedupeKey(long needId) => $"esc:{needId}:{Kind}:{Step}:{Channel}:{RecipientId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}";
}

// Due: what to write now. NextAt: when the ladder next has something to do (null when it has stopped).
public sealed record LadderPlan(IReadOnlyList<DueAlert> Due, DateTime? NextAt)
{
    public static readonly LadderPlan Idle = new([], null);
}

// The one place that decides who is alerted when. The scheduled job and the sweep both call it with what the
// database holds, so they cannot disagree; what it returns is written under unique keys, so if both act at once
// only one of them writes.
//
// The ladder of a need is a sequence of steps. Step 0 starts at the deadline: for an unacknowledged urgent need it
// alerts the level-1 staff on duty, for an acknowledged need past its fulfilment deadline it alerts the owner, and
// further steps climb the levels. Each step sends an SMS to each person on its level, then after VoiceAfter a call to
// the same people. The next step starts LevelInterval after this one was written, at once when this level had nobody
// on duty (recorded as an empty level), and at once when every alert of this step failed. Past the top level the
// steps repeat the top level (or the highest level with anyone on duty) every LevelInterval until someone
// acknowledges. Times of later steps count from when a step was actually written, so after an outage the ladder
// climbs at its usual pace instead of alerting every level at once.
public static class EscalationLadder
{
    public static LadderPlan Plan(LadderNeed need, IReadOnlyList<Alert> history, IReadOnlyList<LadderMember> onDuty,
        bool ownerReachable, DateTime now, EscalationOptions options)
    {
        var kind = ActiveKind(need);
        if (kind is null)
        {
            return LadderPlan.Idle;
        }

        var anchor = kind == AlertKind.Ack ? need.AckDeadline : need.FulfilDeadline;
        if (now < anchor)
        {
            return new LadderPlan([], anchor);
        }

        var written = history.Where(a => a.Kind == kind).ToList();
        var due = new List<DueAlert>();
        DateTime? next = null;
        var stepDue = anchor;
        for (var step = 0; ; step++)
        {
            var rows = written.Where(a => a.Step == step)
                .Select(a => (a.Channel, a.RecipientId, a.Level, a.Status, a.CreatedAt)).ToList();
            if (rows.Count == 0)
            {
                if (stepDue > now)
                {
                    next = Earliest(next, stepDue);
                    break;
                }

                var fresh = StartStep(kind, step, need, onDuty, ownerReachable, stepDue, options);
                due.AddRange(fresh);
                rows = fresh.Select(a => (a.Channel, a.RecipientId, a.Level, Status: AlertStatus.Pending, CreatedAt: now)).ToList();
            }

            var started = rows.Min(r => r.CreatedAt);
            var voiceAt = started + options.VoiceAfter;
            foreach (var sms in rows.Where(r => r.Channel == AlertChannel.Sms))
            {
                if (rows.Any(r => r.Channel == AlertChannel.Voice && r.RecipientId == sms.RecipientId))
                {
                    continue;
                }

                if (voiceAt <= now)
                {
                    due.Add(new DueAlert(kind, step, sms.Level, AlertChannel.Voice, sms.RecipientId, voiceAt));
                }
                else
                {
                    next = Earliest(next, voiceAt);
                }
            }

            var real = rows.Where(r => r.Channel != AlertChannel.None).ToList();
            if (real.Count == 0 && LadderIndex(kind, step + 1) < options.Levels)
            {
                // Nobody on duty here: the next level is alerted straight away.
                stepDue = started;
            }
            else if (real.Count > 0 && real.All(r => r.Status == AlertStatus.Failed))
            {
                // Every alert of this step failed to go out: nobody here can be reached, so climb now.
                stepDue = now;
            }
            else
            {
                stepDue = started + options.LevelInterval;
            }
        }

        return new LadderPlan(due, next);
    }

    // Which ladder a need is on: the acknowledgement ladder while an urgent need is open, the fulfilment ladder while
    // an acknowledged need is not yet resolved (until someone acknowledges that alert too).
    public static string? ActiveKind(LadderNeed need) => need switch
    {
        { Status: "open", Urgency: "urgent" } => AlertKind.Ack,
        { Status: "acknowledged", FulfilAcknowledgedAt: null } => AlertKind.Fulfil,
        _ => null,
    };

    public static DateTime? DeadlineOf(LadderNeed need) => ActiveKind(need) switch
    {
        AlertKind.Ack => need.AckDeadline,
        AlertKind.Fulfil => need.FulfilDeadline,
        _ => null,
    };

    // Step 0 of a fulfilment ladder is the owner (level 0); every other step is a place on the supervisor ladder.
    static int LadderIndex(string kind, int step) => kind == AlertKind.Fulfil ? step - 1 : step;

    static List<DueAlert> StartStep(string kind, int step, LadderNeed need, IReadOnlyList<LadderMember> onDuty,
        bool ownerReachable, DateTime dueAt, EscalationOptions options)
    {
        var index = LadderIndex(kind, step);
        if (index < 0)
        {
            return ownerReachable && need.OwnerId is { } owner
                ? [new DueAlert(kind, step, 0, AlertChannel.Sms, owner, dueAt)]
                : [new DueAlert(kind, step, 0, AlertChannel.None, null, dueAt)];
        }

        var level = Math.Min(index + 1, options.Levels);
        var atLevel = onDuty.Where(m => Math.Min(m.Level, options.Levels) == level).ToList();
        var alerts = new List<DueAlert>();
        if (atLevel.Count == 0)
        {
            alerts.Add(new DueAlert(kind, step, level, AlertChannel.None, null, dueAt));
            if (level < options.Levels)
            {
                return alerts;
            }

            // The top is empty: keep repeating to the highest level that has anyone on duty, so the ladder never
            // falls silent while someone could answer.
            var highest = onDuty.Where(m => m.Level < options.Levels).Select(m => m.Level).DefaultIfEmpty(0).Max();
            atLevel = onDuty.Where(m => m.Level == highest).ToList();
        }

        alerts.AddRange(atLevel.OrderBy(m => m.Id).Select(m => new DueAlert(kind, step, Math.Min(m.Level, options.Levels), AlertChannel.Sms, m.Id, dueAt)));
        return alerts;
    }

    static DateTime? Earliest(DateTime? a, DateTime b) => a is { } x && x < b ? x : b;
}
