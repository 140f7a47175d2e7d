extern alias sandbox;
using System.Net;
using System.Xml.Linq;
using Microsoft.AspNetCore.Mvc.Testing;
using sandbox::Hotline.Sandbox.Webhooks;

namespace Hotline.Tests.Support;

// Acts as Twilio towards the app: form posts signed with the shared auth token over the public URL, through the
// app's real signature filter.
public sealed class TwilioWebhooks(WebApplicationFactory<Program> app)
{
    readonly HttpClient client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });

    public TwilioWebhooks(HotlineFixture fixture) : this(fixture.Factory)
    {
    }

    public async Task<WebhookAnswer> PostAsync(string pathAndQuery, IDictionary<string, string> form,
        string? idempotencyToken = null, string? authToken = null, bool sign = true, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        if (sign)
        {
            request.Headers.Add("X-Twilio-Signature", WebhookSigner.Sign(authToken ?? HotlineFixture.AuthToken, HotlineFixture.PublicBaseUrl + pathAndQuery, form));
        }

        if (idempotencyToken is not null)
        {
            request.Headers.Add("I-Twilio-Idempotency-Token", idempotencyToken);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        using var response = await client.SendAsync(request);
        return new WebhookAnswer(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public Task<WebhookAnswer> SendRawAsync(HttpRequestMessage request) =>
        client.SendAsync(request).ContinueWith(t => new WebhookAnswer(t.Result.StatusCode, t.Result.Content.ReadAsStringAsync().Result));
}

public sealed record WebhookAnswer(HttpStatusCode Status, string Body)
{
    public XDocument Twiml
    {
        get
        {
            Assert.True(Status == HttpStatusCode.OK, $"Expected 200 with TwiML, got {(int)Status}: {Body}");
            return XDocument.Parse(Body);
        }
    }

    public IEnumerable<string> Verbs => Twiml.Root!.Elements().Select(e => e.Name.LocalName);

    public string SaidText => string.Join(" ", Twiml.Descendants("Say").Select(s => s.Value));

    public string? Attribute(string verb, string attribute) => Twiml.Descendants(verb).FirstOrDefault()?.Attribute(attribute)?.Value;
}
