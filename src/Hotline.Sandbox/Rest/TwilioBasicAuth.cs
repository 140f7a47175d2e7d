using System.Text;

namespace Hotline.Sandbox.Rest;

// The REST API takes AccountSid:AuthToken as HTTP basic credentials, like Twilio's.
internal static class TwilioBasicAuth
{
    public static bool IsAuthorized(HttpRequest request, SandboxOptions options)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        return credentials == $"{options.AccountSid}:{options.AuthToken}";
    }

    public static ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<TwilioSandbox>().Options;
        if (!IsAuthorized(http.Request, options))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
            return ValueTask.FromResult<object?>(TwilioError.Unauthorized());
        }

        if (http.Request.RouteValues["accountSid"] as string != options.AccountSid)
        {
            return ValueTask.FromResult<object?>(TwilioError.NotFound(http.Request.Path));
        }

        return next(context);
    }
}
