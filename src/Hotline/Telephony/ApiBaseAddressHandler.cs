using Microsoft.Extensions.Options;

namespace Hotline.Telephony;

// The Twilio SDK always builds https://api.twilio.com/... addresses. Pointing the hotline at the sandbox (or any
// stand-in) rewrites scheme, host and port here and nowhere else.
public sealed class ApiBaseAddressHandler(IOptions<TwilioOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = new Uri(options.Value.ApiBaseUrl);
        if (request.RequestUri is { } uri && uri.Host.EndsWith("twilio.com", StringComparison.OrdinalIgnoreCase) && uri.Host != target.Host)
        {
            request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
