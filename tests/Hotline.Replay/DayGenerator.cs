using System.Globalization;

namespace Hotline.Replay;

// Writes a seeded, deterministic lockdown day of N calls (see ReplayDay for the phases) and works out, from the
// app's rules, where each call must end up:
//  - no operator on duty, category chosen, message left          → voicemail, need (call/category), voicemail, reference SMS
//  - no operator on duty, menu failed (9,9,9), message left       → voicemail, need (voicemail/other), voicemail, reference SMS
//  - hung up at the language menu (or, for a repeat caller, the category menu) → abandoned_in_ivr, no need
//  - hung up at the category menu                                 → abandoned_in_ivr, no need
//  - category chosen, hung up at the voicemail beep               → abandoned_in_ivr, need (call/category)
//  - operator on duty, category chosen, hung up in the queue      → abandoned_in_queue, need
//  - operator on duty, category chosen, pressed 1 in the queue    → callback_requested, need
//  - operator on duty, category chosen, waited Ivr:MaxWaitSeconds, left a message → voicemail, need, voicemail, reference SMS
//  - an SMS                                                       → need (sms/other), reply SMS
//  - staffed phase, category chosen, waits in the queue           → answered by an operator, need acknowledged and resolved
// and, for the wellness round (about one flagged resident per hundred calls, at least 8, every kind at least once):
//  - answers and presses 1                                        → check well after 1 call, no need
//  - answers and presses 2                                        → check needs_help after 1 call, need (wellness/wellness_help)
//  - never answers / busy                                         → check not_reached after Wellness's 4 calls, need
//                                                                   (wellness/home_visit), alerted to the level-1
//                                                                   supervisors at once (SMS, then a call) and
//                                                                   acknowledged by the one who presses 1
//  - one of the day's callers, flagged after calling              → check called_in, never rung
// Escalations of the day's other urgent needs depend on the real time the replay takes (see ReplayAudit).
public static class DayGenerator
{
    // Relative call volume per hour of a lockdown day: quiet nights, a morning rush when the building lists go
    // out, an afternoon plateau and an evening peak.
    static readonly double[] HourlyWeights =
        [1, 0.6, 0.4, 0.3, 0.4, 1, 2.5, 5, 8, 9, 8.5, 7, 6, 6.5, 7, 7, 6.5, 6, 6.5, 7.5, 7, 5, 3, 1.8];

    static readonly string[] Transcripts =
    [
        "My father needs dialysis on Thursday and the compound is sealed",
        "We have run out of insulin",
        "There is no rice or vegetables left in our flat",
        "My grandmother lives alone and has not had a meal today",
        "I am pregnant and my check-up is tomorrow",
        "We need fever medicine for a child",
        "Please deliver cooking oil and eggs to building 7",
        "The group purchase did not arrive",
    ];

    static readonly string[] SmsBodies =
    [
        "Need medicine for high blood pressure, building 3 room 402",
        "No food left, family of four",
        "Elderly neighbour alone, please check on her",
        "Need baby formula",
    ];

    // The staffed phase: each caller dials when the operators are ready for them (At is nominal), played at
    // StaffedMaxSpeed at most, so that an operator's turn (a job, an outbound call, a bridge: real seconds) stays well
    // inside Ivr:MaxWaitSeconds (600 s simulated, 10 s real at 60x).
    public const double StaffedGapSeconds = 120;
    public const double StaffedMaxSpeed = 60;

    // About one call in fifty, at least 4 and at most 100, is taken by an operator in the staffed phase.
    public static int StaffedCalls(int calls) => calls < 50 ? 0 : Math.Clamp(calls / 50, 4, 100);

    public static ReplayDay Generate(int calls, int seed, double daySeconds = 86_400, int splitHour = 10,
        double smsShare = 0.1, ReplayRules? rules = null)
    {
        rules ??= new ReplayRules();
        var random = new Random(seed);
        var categoryDigits = rules.Categories.Keys.Order(StringComparer.Ordinal).ToList();
        var urgentDigit = rules.Categories.First(c => c.Value == "urgent_medical").Key;
        var hourSeconds = daySeconds / 24;
        var split = splitHour * hourSeconds;

        var outcomes = new List<(string Phone, string Outcome)>();
        var needs = new List<(string Phone, string Need)>();
        var voicemails = new List<(string Phone, string Transcript)>();
        var callbacks = 0;
        var queueTimeouts = 0;
        var hungUpWithNeed = new HashSet<int>();
        var phaseCallers = new[] { new List<(double At, ScenarioCallerLine Line)>(), new List<(double At, ScenarioCallerLine Line)>() };
        var phaseSms = new[] { new List<(double At, ScenarioSmsLine Line)>(), new List<(double At, ScenarioSmsLine Line)>() };
        // Phones whose language the app knows after the voicemail phase: the queue phase's repeat callers.
        var knownLanguage = new List<string>();

        var staffedCalls = StaffedCalls(calls);
        var times = Enumerable.Range(0, calls - staffedCalls).Select(_ => DrawTime(random, hourSeconds)).Order().ToList();
        var nextPhone = 0;
        string NewPhone() => "+86139" + (nextPhone++).ToString("D8", CultureInfo.InvariantCulture);

        foreach (var at in times)
        {
            var queuePhase = at >= split;
            var language = random.NextDouble() < 0.85 ? rules.LanguageDigits[0] : rules.LanguageDigits[^1];
            // About 5% urgent medical, then medicine and food, meals, other.
            var roll = random.NextDouble();
            var digit = roll < 0.05 ? urgentDigit
                : roll < 0.35 ? Digit(categoryDigits, "2", urgentDigit)
                : roll < 0.70 ? Digit(categoryDigits, "3", urgentDigit)
                : roll < 0.85 ? Digit(categoryDigits, "4", urgentDigit)
                : Digit(categoryDigits, "5", urgentDigit);
            var category = rules.Categories[digit];
            var transcript = $"{Transcripts[random.Next(Transcripts.Length)]} (call {outcomes.Count + 1})";
            var record = $"{random.Next(8, 40)}s";

            string phone;
            List<string> presses;
            var repeat = queuePhase && knownLanguage.Count > 0 && random.NextDouble() < 0.15;
            if (repeat)
            {
                var i = random.Next(knownLanguage.Count);
                phone = knownLanguage[i];
                knownLanguage.RemoveAt(i); // one repeat call each keeps the expectations simple
                presses = [];
            }
            else
            {
                phone = NewPhone();
                presses = [language];
            }

            ScenarioCallerLine line;
            string outcome;
            var kind = random.NextDouble();
            if (!queuePhase)
            {
                if (kind < 0.65)
                {
                    line = new() { From = phone, Presses = [.. presses, digit], Record = record, Transcript = transcript };
                    outcome = "voicemail";
                    needs.Add((phone, $"call/{category}"));
                    voicemails.Add((phone, transcript));
                    knownLanguage.Add(phone);
                }
                else if (kind < 0.72)
                {
                    line = new() { From = phone, Presses = [.. presses, "9", "9", "9"], Record = record, Transcript = transcript };
                    outcome = "voicemail";
                    needs.Add((phone, $"voicemail/{rules.VoicemailCategory}"));
                    voicemails.Add((phone, transcript));
                    knownLanguage.Add(phone);
                }
                else if (kind < 0.82)
                {
                    line = new() { From = phone, Presses = [], HangupAt = "gather" };
                    outcome = "abandoned_in_ivr";
                }
                else if (kind < 0.92)
                {
                    line = new() { From = phone, Presses = presses, HangupAt = "gather:2" };
                    outcome = "abandoned_in_ivr";
                    knownLanguage.Add(phone);
                }
                else
                {
                    line = new() { From = phone, Presses = [.. presses, digit], HangupAt = "record" };
                    outcome = "abandoned_in_ivr";
                    hungUpWithNeed.Add(outcomes.Count);
                    needs.Add((phone, $"call/{category}"));
                    knownLanguage.Add(phone);
                }
            }
            else if (kind < 0.08)
            {
                line = new() { From = phone, Presses = [], HangupAt = "gather" };
                outcome = "abandoned_in_ivr";
            }
            else if (kind < 0.50)
            {
                line = new() { From = phone, Presses = [.. presses, digit], HangupAt = "queue" };
                outcome = "abandoned_in_queue";
                needs.Add((phone, $"call/{category}"));
            }
            else if (kind < 0.92)
            {
                line = new() { From = phone, Presses = [.. presses, digit], PressInQueue = "1" };
                outcome = "callback_requested";
                needs.Add((phone, $"call/{category}"));
                callbacks++;
            }
            else
            {
                line = new() { From = phone, Presses = [.. presses, digit], Record = record, Transcript = transcript };
                outcome = "voicemail";
                needs.Add((phone, $"call/{category}"));
                voicemails.Add((phone, transcript));
                queueTimeouts++;
            }

            var offset = queuePhase ? at - split : at;
            phaseCallers[queuePhase ? 1 : 0].Add((offset, line with { At = Seconds(offset) }));
            outcomes.Add((phone, outcome));
        }

        // Staffed phase: three operators; op-1 and op-2 start, op-1 goes off duty halfway and op-3 comes on.
        var half = staffedCalls / 2;
        List<OperatorShift> shifts = staffedCalls == 0 ? [] :
        [
            new("replay-op-1", "+8613000001001", 0, half),
            new("replay-op-2", "+8613000001002", 0, staffedCalls),
            new("replay-op-3", "+8613000001003", half, staffedCalls),
        ];
        var staffedLines = new List<ScenarioCallerLine>();
        var answeredBy = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var resolutions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < staffedCalls; i++)
        {
            var phone = NewPhone();
            var digit = categoryDigits[random.Next(categoryDigits.Count)];
            var category = rules.Categories[digit];
            var language = random.NextDouble() < 0.85 ? rules.LanguageDigits[0] : rules.LanguageDigits[^1];
            staffedLines.Add(new() { At = Seconds(i * StaffedGapSeconds), From = phone, Presses = [language, digit] });
            outcomes.Add((phone, "answered"));
            needs.Add((phone, $"call/{category}"));
            var taker = OperatorFor(shifts, i);
            answeredBy[taker.Username] = answeredBy.GetValueOrDefault(taker.Username) + 1;
            var resolution = rules.Resolutions[category];
            resolutions[resolution] = resolutions.GetValueOrDefault(resolution) + 1;
        }

        var smsCount = (int)Math.Round(calls * smsShare);
        for (var i = 0; i < smsCount; i++)
        {
            var at = DrawTime(random, hourSeconds);
            var queuePhase = at >= split;
            var offset = queuePhase ? at - split : at;
            var from = "+86137" + i.ToString("D8", CultureInfo.InvariantCulture);
            phaseSms[queuePhase ? 1 : 0].Add((offset, new ScenarioSmsLine(from, $"{SmsBodies[random.Next(SmsBodies.Length)]} #{i + 1}", Seconds(offset))));
            needs.Add((from, $"sms/{rules.VoicemailCategory}"));
        }

        // The wellness round: new residents, and a few of the day's callers (flagged once their call is over).
        var wellnessCount = Math.Max(8, calls / 100);
        string[] kinds = ["well", "help", "no_answer", "busy", "called_in"];
        var callerPool = outcomes.Select(o => o.Phone).Distinct().ToList();
        var wellness = new List<WellnessResident>();
        var wellnessExpected = new SortedDictionary<string, WellnessExpectation>(StringComparer.Ordinal);
        for (var i = 0; i < wellnessCount; i++)
        {
            var roll = random.NextDouble();
            var kind = i < kinds.Length ? kinds[i]
                : roll < 0.70 ? "well" : roll < 0.80 ? "help" : roll < 0.88 ? "no_answer" : roll < 0.93 ? "busy" : "called_in";
            if (kind == "called_in" && callerPool.Count == 0)
            {
                kind = "well";
            }

            string phone;
            if (kind == "called_in")
            {
                var pick = random.Next(callerPool.Count);
                phone = callerPool[pick];
                callerPool.RemoveAt(pick);
            }
            else
            {
                phone = "+86135" + i.ToString("D8", CultureInfo.InvariantCulture);
            }

            wellness.Add(new WellnessResident(phone, $"Wellness resident {i + 1}", kind));
            wellnessExpected[phone] = kind switch
            {
                "well" => new WellnessExpectation("well", 1, null, "pressed 1"),
                "help" => new WellnessExpectation("needs_help", 1, "wellness/wellness_help", "pressed 2"),
                "no_answer" => new WellnessExpectation("not_reached", rules.WellnessAttempts, "wellness/home_visit", "no answer"),
                "busy" => new WellnessExpectation("not_reached", rules.WellnessAttempts, "wellness/home_visit", "busy"),
                _ => new WellnessExpectation("called_in", 0, null, "called the hotline"),
            };
            if (wellnessExpected[phone].Need is { } need)
            {
                needs.Add((phone, need));
            }
        }

        // Which calls the app turns into a callback request (Callbacks/CallbackRequests.cs).
        var callbackCalls = outcomes.Where((o, i) => o.Outcome is "voicemail" or "callback_requested" or "abandoned_in_queue"
            || o.Outcome == "abandoned_in_ivr" && hungUpWithNeed.Contains(i)).ToList();
        var expected = new ReplayExpectations
        {
            CallbackRequests = callbackCalls.Count,
            CallbackPhones = callbackCalls.Select(c => c.Phone).Distinct().Count(),
            Calls = outcomes.Count,
            Voicemails = voicemails.Count,
            InboundSms = smsCount,
            OutboundSms = voicemails.Count,
            SmsReplies = smsCount,
            Callbacks = callbacks,
            QueueTimeouts = queueTimeouts,
            AnsweredBy = answeredBy,
            Resolutions = resolutions,
            Wellness = wellnessExpected,
            HomeVisits = wellnessExpected.Values.Count(w => w.Status == "not_reached"),
            WellnessMaxAttempts = rules.WellnessAttempts,
            // Two at level 1 (the first acknowledges alert calls, the second listens and hangs up) and one at level 2,
            // whom nothing should reach while level 1 answers.
            Supervisors =
            [
                new("replay-sup-1", "+8613000002001", 1, Acknowledges: true),
                new("replay-sup-2", "+8613000002002", 1, Acknowledges: false),
                new("replay-sup-3", "+8613000002003", 2, Acknowledges: true),
            ],
        };
        foreach (var group in outcomes.GroupBy(o => o.Phone))
        {
            expected.OutcomesByPhone[group.Key] = group.Select(o => o.Outcome).Order(StringComparer.Ordinal).ToList();
        }

        foreach (var group in outcomes.GroupBy(o => o.Outcome))
        {
            expected.Outcomes[group.Key] = group.Count();
        }

        foreach (var group in needs.GroupBy(n => n.Need))
        {
            expected.Needs[group.Key] = group.Count();
        }

        foreach (var group in needs.GroupBy(n => n.Phone))
        {
            expected.NeedsByPhone[group.Key] = group.Select(n => n.Need).Order(StringComparer.Ordinal).ToList();
        }

        foreach (var group in voicemails.GroupBy(v => v.Phone))
        {
            expected.VoicemailsByPhone[group.Key] = group.Select(v => v.Transcript).Order(StringComparer.Ordinal).ToList();
        }

        return new ReplayDay
        {
            Seed = seed,
            TimeScale = daySeconds / 86_400,
            Phases =
            [
                new() { Name = "voicemail", OperatorOnDuty = false, Scenario = new() { Callers = Sorted(phaseCallers[0]), Sms = Sorted(phaseSms[0]) } },
                new() { Name = "queue", OperatorOnDuty = true, Scenario = new() { Callers = Sorted(phaseCallers[1]), Sms = Sorted(phaseSms[1]) } },
                .. staffedCalls == 0 ? Array.Empty<ReplayPhase>() :
                [
                    new() { Name = "staffed", OperatorOnDuty = false, MaxSpeed = StaffedMaxSpeed, Shifts = shifts, Scenario = new() { Callers = staffedLines } },
                ],
                // The operator on duty (who never dequeues) gives the resident who presses 2 the urgent queue to wait in.
                new() { Name = "wellness", OperatorOnDuty = true, Wellness = wellness },
            ],
            Expected = expected,
        };
    }

    // The operator who takes the staffed phase's caller number i: those on duty then, in turn.
    public static OperatorShift OperatorFor(IReadOnlyList<OperatorShift> shifts, int i)
    {
        var onDuty = shifts.Where(s => s.From <= i && i < s.To).ToList();
        return onDuty[i % onDuty.Count];
    }

    static string Digit(List<string> digits, string wanted, string fallback) => digits.Contains(wanted) ? wanted : fallback;

    static List<T> Sorted<T>(List<(double At, T Line)> lines) => lines.OrderBy(l => l.At).Select(l => l.Line).ToList();

    static string Seconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    static double DrawTime(Random random, double hourSeconds)
    {
        var total = HourlyWeights.Sum();
        var pick = random.NextDouble() * total;
        var hour = 0;
        while (hour < 23 && pick >= HourlyWeights[hour])
        {
            pick -= HourlyWeights[hour];
            hour++;
        }

        return (hour + random.NextDouble()) * hourSeconds;
    }
}
