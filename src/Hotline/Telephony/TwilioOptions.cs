using System.ComponentModel.DataAnnotations;

namespace Hotline.Telephony;

public sealed class TwilioOptions
{
    public string AccountSid { get; set; } = "";

    [Required(ErrorMessage = "Twilio:AuthToken is required: every webhook is checked against it.")]
    public string AuthToken { get; set; } = "";

    // The hotline's own number: the From of outbound calls and SMS.
    [Required(ErrorMessage = "Twilio:PhoneNumber is required: it is the From of every call and SMS the hotline sends.")]
    public string PhoneNumber { get; set; } = "";

    // The address Twilio calls us on when we sit behind a proxy; signatures are computed over it.
    public string? PublicBaseUrl { get; set; }

    [Url]
    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";

    [Range(0.01, 1000)]
    public double CallsPerSecond { get; set; } = 1;
}
