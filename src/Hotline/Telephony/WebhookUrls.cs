namespace Hotline.Telephony;

public static class WebhookUrls
{
    // Twilio needs absolute addresses for the calls and messages we start; they are built on the public address.
    public static Uri Absolute(TwilioOptions options, string pathAndQuery)
    {
        if (string.IsNullOrWhiteSpace(options.PublicBaseUrl))
        {
            throw new InvalidOperationException("Twilio:PublicBaseUrl must be set to place calls or send SMS: Twilio calls us back on it.");
        }

        return new Uri(options.PublicBaseUrl.TrimEnd('/') + pathAndQuery);
    }
}
