using Microsoft.AspNetCore.Http.Features;

namespace Hotline.Telephony;

// Runs before routing binds the form, so hostile bodies are refused before anything reads them: Twilio's webhooks
// are form posts of a few kilobytes.
public static class WebhookLimits
{
    public const int MaxBodyBytes = 64 * 1024;

    public static IApplicationBuilder UseWebhookLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!http.Request.Path.StartsWithSegments("/twilio"))
        {
            await next(http);
            return;
        }

        if (!http.Request.HasFormContentType)
        {
            await Results.Problem("Twilio webhooks are application/x-www-form-urlencoded.", statusCode: StatusCodes.Status415UnsupportedMediaType).ExecuteAsync(http);
            return;
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            await Results.Problem($"A webhook body is at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(http);
            return;
        }

        // A body without a length is cut off at the limit while it is read.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        await next(http);
    });
}
