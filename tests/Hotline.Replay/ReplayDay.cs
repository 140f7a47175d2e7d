using System.Text.Json.Serialization;

namespace Hotline.Replay;

// A lockdown day for the sandbox, in four phases played one after the other:
//  - "voicemail": no operator on duty, so every caller who gets through the menu is offered voicemail;
//  - "queue": one operator on duty who never dequeues, so callers wait in the queue and hang up, press 1 for a
//    callback, or wait out Ivr:MaxWaitSeconds and leave a voicemail;
//  - "staffed": operators come on and off duty through the console API, take the waiting callers one by one
//    ("take next call" rings their phone and bridges the front caller), then acknowledge and resolve each caller's
//    need; each caller dials in when the operators are ready for them. Played at MaxSpeed at most: an operator's turn
//    is real work (a job, an outbound call, a bridge), and at a day's compression a caller would time out of the
//    queue while it happens;
//  - "wellness": the app's daily wellness round (src/Hotline/Wellness) for the day's flagged residents, started
//    through the supervisors' POST /api/wellness/round; their phones answer and press 1 or 2, or never answer, or are
//    busy; each retry is brought forward once its back-off (Wellness:RetryAfter, in the day's compressed time) is over.
//    The unreachable end as urgent home visits that the escalation ladder alerts the supervisors about at once. A few
//    of the day's callers are flagged too: they called "today" (Wellness:TimeZone), so the round must skip them; a
//    replay whose calls and round fall either side of midnight in that zone would see them rung instead.
// Supervisors with phones are on duty all day, so every escalation reaches someone: level 1 is texted, then called;
// the first level-1 supervisor presses 1 on the alert call, which acknowledges the need.
// Each phase is a sandbox scenario (src/Hotline.Sandbox/Cli/Scenario.cs format); the replay sets operators on or off
// duty between phases and waits for the first to finish before starting the second, so where every call ends up
// is decided by the script alone. Repeat callers call in both phases; the app remembers their language from the
// first call, so their second call skips the language menu.
public sealed record ReplayDay
{
    public int Seed { get; init; }
    // Simulated seconds of this day per second of a real day (daySeconds / 86400): the app's back-offs shrink with it.
    public double TimeScale { get; init; } = 1;
    // The supervisors on duty all day are part of what the audit expects; the players read them from there.
    [JsonIgnore]
    public List<ReplaySupervisor> Supervisors => Expected.Supervisors;
    public List<ReplayPhase> Phases { get; init; } = [];
    public ReplayExpectations Expected { get; init; } = new();
}

public sealed record ReplayPhase
{
    public string Name { get; init; } = "";
    public bool OperatorOnDuty { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? MaxSpeed { get; init; }
    // For the staffed phase: who is on duty for which of its callers, in the order they call.
    public List<OperatorShift> Shifts { get; init; } = [];
    // The sandbox scenario for this phase.
    public ScenarioFile Scenario { get; init; } = new();
    // For the wellness phase: the residents registered (or flagged) just before the round, how their phones behave.
    public List<WellnessResident> Wellness { get; init; } = [];
}

// Kind: well (answers, presses 1), help (answers, presses 2, waits in the urgent queue and hangs up), no_answer, busy,
// or called_in (one of the day's callers, flagged after their call: the round must not ring them).
public sealed record WellnessResident(string Phone, string Name, string Kind);

// On duty all day. Answers the alert call with "1" (acknowledges) when Acknowledges, else listens and hangs up.
public sealed record ReplaySupervisor(string Username, string Phone, int Level, bool Acknowledges);

// Mirrors the sandbox's scenario JSON (only the fields the replay uses).
public sealed record ScenarioFile
{
    public List<ScenarioCallerLine> Callers { get; init; } = [];
    public List<ScenarioSmsLine> Sms { get; init; } = [];
}

public sealed record ScenarioCallerLine
{
    public string At { get; init; } = "0s";
    public string From { get; init; } = "";
    public List<string> Presses { get; init; } = [];
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? HangupAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PressInQueue { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Record { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Transcript { get; init; }
}

public sealed record ScenarioSmsLine(string From, string Body, string At);

// Operator Username is on duty from the phase's caller number From (0-based) until caller number To (excluded); each
// caller is taken by one of the operators on duty then, in turn.
public sealed record OperatorShift(string Username, string Phone, int From, int To);

public sealed record ReplayExpectations
{
    // Per caller phone: the outcome of each of their calls, sorted.
    public SortedDictionary<string, List<string>> OutcomesByPhone { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, int> Outcomes { get; init; } = new(StringComparer.Ordinal);
    // Needs by "source/category".
    public SortedDictionary<string, int> Needs { get; init; } = new(StringComparer.Ordinal);
    // Per phone: "source/category" of each need, sorted.
    public SortedDictionary<string, List<string>> NeedsByPhone { get; init; } = new(StringComparer.Ordinal);
    // Per phone: the transcripts of their voicemails, sorted.
    public SortedDictionary<string, List<string>> VoicemailsByPhone { get; init; } = new(StringComparer.Ordinal);
    public int Calls { get; init; }
    public int Voicemails { get; init; }
    public int InboundSms { get; init; }
    // One reference SMS (an outbound message row) per voicemail; an inbound SMS is answered in the webhook's TwiML.
    public int OutboundSms { get; init; }
    public int SmsReplies { get; init; }
    // Calls that ask for a callback (voicemail, pressed 1 in the queue, hung up in the queue, hung up in the menu
    // after stating a need), and the phones they come from: one open callback per phone, merged requests.
    public int CallbackRequests { get; init; }
    public int CallbackPhones { get; init; }
    // Pressed 1 in the queue.
    public int Callbacks { get; init; }
    // Scripted to wait out Ivr:MaxWaitSeconds in the queue.
    public int QueueTimeouts { get; init; }
    // The staffed phase: callers each operator takes, and the resolutions of their needs.
    public SortedDictionary<string, int> AnsweredBy { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, int> Resolutions { get; init; } = new(StringComparer.Ordinal);
    // The wellness round, per resident phone: final status, attempts (= calls placed and rung), the need it opens.
    public SortedDictionary<string, WellnessExpectation> Wellness { get; init; } = new(StringComparer.Ordinal);
    // Home visits (every attempt failed): urgent at once, so each is alerted to the level-1 supervisors by SMS, then
    // by a call, and acknowledged by the one who presses 1 before the ladder climbs.
    public int HomeVisits { get; init; }
    // The most calls one resident may get in a day (Wellness: 1 + RetryAfter), and the supervisors on duty all day.
    public int WellnessMaxAttempts { get; init; }
    public List<ReplaySupervisor> Supervisors { get; init; } = [];
}

// LastResult null: not checked (well, help, called in say it by their status).
public sealed record WellnessExpectation(string Status, int Attempts, string? Need, string? LastResult);

public sealed record ReplayRules
{
    // Needs:Categories digit → category, and the urgent one; Ivr:Languages digits.
    public IReadOnlyDictionary<string, string> Categories { get; init; } = new Dictionary<string, string>
    {
        ["1"] = "urgent_medical", ["2"] = "medicine", ["3"] = "food", ["4"] = "meals", ["5"] = "other",
    };
    public IReadOnlyList<string> LanguageDigits { get; init; } = ["1", "2"];
    public string VoicemailCategory { get; init; } = "other";

    // Wellness:RetryAfter has three waits: four attempts before a home visit (src/Hotline/appsettings.json).
    public int WellnessAttempts { get; init; } = 4;

    // What an operator resolves a need of each category with (NeedDeskEndpoints.Outcomes).
    public IReadOnlyDictionary<string, string> Resolutions { get; init; } = new Dictionary<string, string>
    {
        ["urgent_medical"] = "trip_arranged", ["medicine"] = "medicine_delivered", ["food"] = "food_delivered",
        ["meals"] = "meals_delivered", ["other"] = "other",
    };
}
