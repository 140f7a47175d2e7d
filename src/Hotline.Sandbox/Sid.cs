namespace Hotline.Sandbox;

// Twilio SIDs are a two-letter prefix and 32 lowercase hex digits.
public static class Sid
{
    public static string New(string prefix) => prefix + Guid.NewGuid().ToString("N");
}
