using System.Net;
using Hotline.Sandbox.Webhooks;

namespace Hotline.Benchmarks;

public readonly record struct WebhookAnswer(bool Ok, string? Problem);

// Signs and posts webhooks the way Twilio does: form-encoded, X-Twilio-Signature over the public URL, and a
// fresh I-Twilio-Idempotency-Token on each delivery.
public sealed class WebhookClient : IDisposable
{
    readonly HttpClient http;
    readonly Uri target;
    readonly string publicBaseUrl;
    readonly string authToken;

    public WebhookClient(BenchOptions options)
    {
        target = options.Target;
        publicBaseUrl = options.PublicBaseUrl;
        authToken = options.AuthToken;
        http = new HttpClient(new SocketsHttpHandler
        {
            // Never the bottleneck: the open-loop run may have many requests in flight when the app falls behind.
            MaxConnectionsPerServer = Math.Max(options.Concurrency, 1024),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            // Twilio gives up on a webhook after 15 s.
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    // Signing happens here, before the clock starts: Twilio signs before it sends too.
    public HttpRequestMessage Prepare(WebhookStep step)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, step.PathAndQuery))
        {
            Content = new FormUrlEncodedContent(step.Form),
        };
        request.Headers.Add("X-Twilio-Signature", WebhookSigner.Sign(authToken, publicBaseUrl + step.PathAndQuery, step.Form));
        request.Headers.Add("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString("N"));
        return request;
    }

    public async Task<WebhookAnswer> SendAsync(WebhookStep step, HttpRequestMessage request)
    {
        try
        {
            using (request)
            using (var response = await http.SendAsync(request))
            {
                var body = await response.Content.ReadAsStringAsync();
                var xml = response.Content.Headers.ContentType?.MediaType == "application/xml";
                return response.StatusCode == HttpStatusCode.OK && xml && body.Contains(step.Expect, StringComparison.Ordinal)
                    ? new WebhookAnswer(true, null)
                    : new WebhookAnswer(false, $"{step.Name}: HTTP {(int)response.StatusCode} {response.Content.Headers.ContentType}, expected {step.Expect}: {Clip(body)}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new WebhookAnswer(false, $"{step.Name}: {e.GetType().Name}: {e.Message}");
        }
    }

    static string Clip(string body) => body.Length > 300 ? body[..300] + "…" : body;

    public void Dispose() => http.Dispose();
}
