using Hotline.Sandbox.Webhooks;
using Twilio.Security;

namespace Hotline.Sandbox.Tests.Webhooks;

public sealed class WebhookSignerTests
{
    private static readonly Dictionary<string, string> Form = new()
    {
        ["CallSid"] = "CA1234567890ABCDE",
        ["Caller"] = "+12349013030",
        ["Digits"] = "1234",
        ["From"] = "+12349013030",
        ["To"] = "+18005551212",
        ["Body"] = "héllo & goodbye",
    };

    [Fact]
    public void Signature_is_accepted_by_twilio_request_validator()
    {
        const string url = "https://hotline.example.org/twilio/voice/incoming?lang=en";
        var signature = WebhookSigner.Sign("secret-token", url, Form);

        Assert.True(new RequestValidator("secret-token").Validate(url, Form, signature));
    }

    [Fact]
    public void Signature_made_with_another_token_is_refused()
    {
        const string url = "https://hotline.example.org/twilio/voice/incoming";
        var signature = WebhookSigner.Sign("wrong-token", url, Form);

        Assert.False(new RequestValidator("secret-token").Validate(url, Form, signature));
    }

    [Fact]
    public void Signature_over_another_url_is_refused()
    {
        var signature = WebhookSigner.Sign("secret-token", "https://hotline.example.org/twilio/voice/status", Form);

        Assert.False(new RequestValidator("secret-token").Validate("https://hotline.example.org/twilio/voice/incoming", Form, signature));
    }
}
