namespace Hotline.Sandbox.Rest;

// The Twilio SDK always builds https://api.twilio.com/...; this sends those requests to the sandbox instead,
// keeping path and query. Give it to the SDK as new SystemNetHttpClient(new HttpClient(handler)).
public sealed class TwilioApiRedirectHandler(Uri sandboxBase) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri && uri.Host.EndsWith("twilio.com", StringComparison.OrdinalIgnoreCase))
        {
            request.RequestUri = new UriBuilder(uri)
            {
                Scheme = sandboxBase.Scheme,
                Host = sandboxBase.Host,
                Port = sandboxBase.Port,
            }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
