using Hotline.Sandbox.Webhooks;

namespace Hotline.Sandbox.Calls;

// One leg of a call while it is being played: who is on it, what their script still holds, and what has happened.
// Token fires when the call is over for whatever reason; every wait on the call observes it.
public sealed class CallSession : IDisposable
{
    private readonly Lock gate = new();
    private readonly List<TranscriptStep> steps = [];
    private readonly List<AppRequest> requests = [];
    private readonly List<Task> background = [];
    private readonly Queue<KeyPress> presses;
    private readonly Dictionary<string, int> reached = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource life;
    private readonly SandboxClock clock;
    private readonly TimeSpan started;
    private TimeSpan? answeredAt;
    private TimeSpan? endedAt;
    private bool queuePressUsed;
    private int documents;

    internal CallSession(
        TwilioSandbox sandbox, string direction, string from, string to, CallerScript script, CancellationToken shutdown, string? sid = null)
    {
        Sandbox = sandbox;
        clock = sandbox.Clock;
        Sid = sid ?? Hotline.Sandbox.Sid.New("CA");
        AccountSid = sandbox.Options.AccountSid;
        Direction = direction;
        From = from;
        To = to;
        Script = script;
        presses = new Queue<KeyPress>(script.Presses.Select(KeyPress.Parse));
        life = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        started = clock.Now;
    }

    internal TwilioSandbox Sandbox { get; }
    public string Sid { get; }
    public string AccountSid { get; }
    public string Direction { get; }
    public string From { get; }
    public string To { get; }
    public CallerScript Script { get; }
    public string? AnsweredBy { get; set; }
    public string? ParentCallSid { get; init; }
    public Action<CallSession, TranscriptStep>? OnStep { get; init; }

    public CancellationToken Token => life.Token;
    public bool IsAnswered => answeredAt is not null;
    public bool IsOver => life.IsCancellationRequested;

    // "caller" when the person on the line hung up, "app" when the TwiML ended the call.
    public string? EndedBy { get; private set; }
    public bool CallerHungUp => EndedBy == "caller";

    public string CallStatus => IsOver ? "completed" : IsAnswered ? "in-progress" : "ringing";

    public int DurationSeconds
    {
        get { lock (gate) return DurationSecondsUnlocked(); }
    }

    public void Step(string kind, string text, string? detail = null)
    {
        var step = new TranscriptStep(clock.Now - started, kind, text, detail);
        lock (gate) steps.Add(step);
        OnStep?.Invoke(this, step);
        if (kind == "say")
        {
            Reached("say", text);
        }
    }

    public void Record(AppRequest request)
    {
        lock (gate) requests.Add(request);
        var outcome = request.Error ?? request.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Step("request", $"{request.Method} {request.Url} -> {outcome}");
    }

    public void MarkAnswered()
    {
        lock (gate)
        {
            if (answeredAt is not null)
            {
                return;
            }

            answeredAt = clock.Now;
        }

        if (Script.HangupAfterSeconds is { } seconds)
        {
            _ = HangUpLaterAsync(TimeSpan.FromSeconds(seconds));
        }
    }

    // The person on the line hangs up.
    public void HangUp(string why) => End("caller", why);

    // The call ends from the Twilio side (Hangup verb, end of TwiML, error).
    public void End(string by, string why)
    {
        lock (gate)
        {
            if (EndedBy is not null || life.IsCancellationRequested)
            {
                return;
            }

            EndedBy = by;
            endedAt = clock.Now;
        }

        Step("hangup", $"{by}: {why}");
        life.Cancel();
    }

    internal KeyPress? NextPress(bool inQueue)
    {
        lock (gate)
        {
            if (inQueue)
            {
                if (queuePressUsed || string.IsNullOrEmpty(Script.PressInQueue))
                {
                    return null;
                }

                queuePressUsed = true;
                return KeyPress.Parse(Script.PressInQueue);
            }

            return presses.TryDequeue(out var press) ? press : null;
        }
    }

    // Named points a script can hang up at; see CallerScript.HangupAt.
    internal void Reached(string point, string? text = null)
    {
        if (Script.HangupAt is not { Length: > 0 } at)
        {
            return;
        }

        int count;
        lock (gate)
        {
            count = reached[point] = reached.GetValueOrDefault(point) + 1;
        }

        var hit = point == "say"
            ? at.StartsWith("say:", StringComparison.OrdinalIgnoreCase) && text is not null &&
              text.Contains(at[4..], StringComparison.OrdinalIgnoreCase)
            : at.Equals(point, StringComparison.OrdinalIgnoreCase) && count == 1 ||
              at.Equals($"{point}:{count}", StringComparison.OrdinalIgnoreCase);
        if (hit)
        {
            HangUp($"at {at}");
        }
    }

    internal int CountDocument() => Interlocked.Increment(ref documents);

    internal void Track(Task task)
    {
        lock (gate) background.Add(task);
    }

    // Recording and transcription callbacks go out after the call; a transcript is complete once they have.
    internal async Task WhenBackgroundDoneAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (gate) pending = background.Where(t => !t.IsCompleted).ToArray();
            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending);
        }
    }

    public List<KeyValuePair<string, string>> BaseParams(string? callStatus = null)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", AccountSid),
            new("ApiVersion", "2010-04-01"),
            new("CallSid", Sid),
            new("CallStatus", callStatus ?? CallStatus),
            new("Called", To),
            new("Caller", From),
            new("Direction", Direction),
            new("From", From),
            new("To", To),
        };
        if (AnsweredBy is not null)
        {
            form.Add(new("AnsweredBy", AnsweredBy));
        }

        if (ParentCallSid is not null)
        {
            form.Add(new("ParentCallSid", ParentCallSid));
        }

        return form;
    }

    public CallTranscript ToTranscript(string status)
    {
        lock (gate)
        {
            return new CallTranscript(Sid, Direction, From, To, status, EndedBy ?? "app", DurationSecondsUnlocked(), steps.ToList(), requests.ToList());
        }
    }

    public void Dispose() => life.Dispose();

    private int DurationSecondsUnlocked() =>
        answeredAt is { } a ? (int)Math.Round(((endedAt ?? clock.Now) - a).TotalSeconds) : 0;

    private async Task HangUpLaterAsync(TimeSpan after)
    {
        if (await clock.TryDelayAsync(after, Token))
        {
            HangUp($"after {after.TotalSeconds:0.#} s");
        }
    }
}
