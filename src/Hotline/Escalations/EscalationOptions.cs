using System.ComponentModel.DataAnnotations;

namespace Hotline.Escalations;

public sealed class EscalationOptions : IValidatableObject
{
    // Supervisor levels on the ladder; staff with a higher escalation_level count as the top level.
    [Range(1, 10)]
    public int Levels { get; set; } = 3;

    // After the SMS of a step, the same people get a call if nobody has acknowledged.
    [Range(0, 3600)]
    public int VoiceAfterSeconds { get; set; } = 60;

    // Between one step of the ladder and the next (and between rounds at the top).
    [Range(1, 86400)]
    public int LevelIntervalSeconds { get; set; } = 180;

    // How often the sweep looks for ladder work that no job did.
    [Range(100, 60000)]
    public int SweepMilliseconds { get; set; } = 2000;

    public bool RunSweep { get; set; } = true;

    public TimeSpan VoiceAfter => TimeSpan.FromSeconds(VoiceAfterSeconds);

    public TimeSpan LevelInterval => TimeSpan.FromSeconds(LevelIntervalSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (VoiceAfterSeconds >= LevelIntervalSeconds)
        {
            yield return new ValidationResult(
                "Escalation:VoiceAfterSeconds must be shorter than Escalation:LevelIntervalSeconds: the call of a level comes before the next level.",
                [nameof(VoiceAfterSeconds), nameof(LevelIntervalSeconds)]);
        }
    }
}
