using Microsoft.Extensions.Options;
using Twilio.Security;

namespace Hotline.Telephony;

// Guards the whole /twilio group: a request without a valid X-Twilio-Signature is refused before any handler
// reads or writes anything.
public sealed class TwilioSignatureFilter(IOptions<TwilioOptions> options, ILogger<TwilioSignatureFilter> logger) : IEndpointFilter
{

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (context.HttpContext.Items.ContainsKey(Calls.VoiceWebhook.ReplayMarker))
        {
            // Replayed from our own journal: its signature was checked when Twilio sent it.
            return await next(context);
        }


        var form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
        var url = PublicUrl(request);
        var signature = request.Headers["X-Twilio-Signature"].ToString();
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);

        // RequestValidator keeps an HMAC instance, which is not thread-safe: one per request.
        if (signature.Length == 0 || !new RequestValidator(options.Value.AuthToken).Validate(url, fields, signature))
        {
            logger.LogWarning("Refused a Twilio webhook to {Path} with a missing or invalid signature (computed over {Url})", request.Path, url);
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        return await next(context);
    }

    string PublicUrl(HttpRequest request)
    {
        var publicBase = options.Value.PublicBaseUrl;
        var origin = string.IsNullOrWhiteSpace(publicBase)
            ? $"{request.Scheme}://{request.Host}{request.PathBase}"
            : publicBase.TrimEnd('/');
        return origin + request.Path + request.QueryString;
    }
}
