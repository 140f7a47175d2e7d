namespace Hotline.Sandbox.Phones;

public enum AnswerMode { Human, NoAnswer, Busy, Failed, Machine }

public enum SmsOutcome { Delivered, Undelivered, Failed }

// How a simulated phone behaves when the hotline calls or texts it. Set per number through
// PhoneBook.SetBehaviour or POST /sandbox/phones/{e164}/behaviour.
public sealed record PhoneBehaviour
{
    public AnswerMode Answer { get; init; } = AnswerMode.Human;
    public double AnswerAfterSeconds { get; init; } = 2;

    // Hang up this long after answering, whatever is going on.
    public double? HangupAfterSeconds { get; init; }

    // Hang up on reaching a point of the call, e.g. "queue"; see CallerScript.HangupAt.
    public string? HangupAt { get; init; }

    // Key presses for successive Gathers: "1", "2@3s" (after 3 s), "" (let it time out).
    public IReadOnlyList<string> Presses { get; init; } = [];

    // How long the person speaks at a <Record>, and what they say.
    public double SpeakSeconds { get; init; }
    public string? Transcript { get; init; }

    // How long the person talks once bridged to someone, before hanging up.
    public double TalkSeconds { get; init; } = 30;

    public SmsOutcome Sms { get; init; } = SmsOutcome.Delivered;
    public int? SmsErrorCode { get; init; }

    // Makes the REST API refuse requests addressed to this number, so the app's retries can be tested.
    public RestFailure? RestFailure { get; init; }

    public static PhoneBehaviour Default { get; } = new();
}

// Status 400 (with a Twilio error Code), 429 or 500, for the next Times requests; then requests succeed.
public sealed record RestFailure(int Status, int? Code = null, string? Message = null, int Times = 1);

public static class PhoneBehaviourExtensions
{
    // What the person answering this phone does on the call. A machine presses nothing and says nothing.
    public static Calls.CallerScript ToScript(this PhoneBehaviour behaviour, string number) =>
        behaviour.Answer == AnswerMode.Machine
            ? new Calls.CallerScript { From = number, HangupAfterSeconds = behaviour.HangupAfterSeconds, TalkSeconds = behaviour.TalkSeconds }
            : new Calls.CallerScript
            {
                From = number,
                Presses = behaviour.Presses,
                HangupAfterSeconds = behaviour.HangupAfterSeconds,
                HangupAt = behaviour.HangupAt,
                RecordSeconds = behaviour.SpeakSeconds,
                RecordTranscript = behaviour.Transcript,
                TalkSeconds = behaviour.TalkSeconds,
            };
}
