using System.ComponentModel.DataAnnotations;

namespace Hotline.Reconciliation;

// Read through IOptionsMonitor, so the graces can be changed without a restart.
public sealed class ReconciliationOptions
{
    // How often the sweep looks for calls and voicemails that Twilio's callbacks left unfinished.
    [Range(1, 3600)]
    public int SweepSeconds { get; set; } = 30;

    // A call not final and quiet (no webhook, no event) for this long is fetched from Twilio. A call Twilio reports
    // still live is looked at again after the same grace: calls can last hours.
    [Range(10, 86_400)]
    public int CallGraceSeconds { get; set; } = 300;

    // A voicemail whose transcription callback has not come after this long gets its transcription from Twilio's REST
    // API, or is marked "missing" (staff listen to it) when Twilio has none. Twilio transcribes within minutes.
    [Range(10, 86_400)]
    public int TranscriptGraceSeconds { get; set; } = 900;

    // Older calls and voicemails are left alone (bounds the sweep's scan to the recent part of the log).
    [Range(1, 24 * 60)]
    public int MaxAgeHours { get; set; } = 48;

    // Calls fetched from Twilio per sweep, at most.
    [Range(1, 1000)]
    public int Batch { get; set; } = 50;
}
