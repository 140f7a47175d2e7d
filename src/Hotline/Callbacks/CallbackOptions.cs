using System.ComponentModel.DataAnnotations;

namespace Hotline.Callbacks;

public enum CallbackMode
{
    // Operators work due callbacks from the console; while nobody is on duty they wait, visible, for the next one.
    OperatorFirst,

    // A job calls every due resident itself: a message with their reference, "press 1" to be put through.
    Automatic,

    // Operators while anyone is on duty, the job while nobody is.
    OperatorFirstElseAutomatic,
}

// Read through IOptionsMonitor, so the mode and the back-off can be changed without a restart.
public sealed class CallbackOptions : IValidatableObject
{
    static readonly int[] DefaultRetryMinutes = [5, 15, 60];

    public CallbackMode Mode { get; set; } = CallbackMode.OperatorFirst;

    // The wait before each retry; one more attempt than there are entries, then the callback is unreachable.
    // Minutes for people; RetrySeconds, when set, wins (tests and drills use seconds).
    // (Empty defaults: the configuration binder appends to an array it finds filled.)
    public int[] RetryMinutes { get; set; } = [];
    public int[]? RetrySeconds { get; set; }

    // A call shorter than this did not give anyone time to help: it does not complete the callback.
    [Range(0, 600)]
    public int MinConnectedSeconds { get; set; } = 20;

    // How long the resident's phone rings before we give up on an attempt.
    [Range(5, 120)]
    public int RingSeconds { get; set; } = 30;

    // Automatic calls under way at once; the rest wait their turn in working order.
    [Range(1, 100)]
    public int MaxConcurrentAutomatic { get; set; } = 3;

    // The sweep that backs the scheduled jobs: finds due callbacks and attempts whose end was never reported.
    [Range(1, 300)]
    public int SweepSeconds { get; set; } = 10;

    public TimeSpan[] Backoff => RetrySeconds is { Length: > 0 } seconds
        ? [.. seconds.Select(s => TimeSpan.FromSeconds(s))]
        : [.. (RetryMinutes.Length > 0 ? RetryMinutes : DefaultRetryMinutes).Select(m => TimeSpan.FromMinutes(m))];

    public int MaxAttempts => Backoff.Length + 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMinutes.Concat(RetrySeconds ?? []).Any(wait => wait <= 0))
        {
            yield return new ValidationResult("Callbacks:RetryMinutes and Callbacks:RetrySeconds must be positive.");
        }
    }
}
