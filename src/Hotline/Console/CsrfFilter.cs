using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;

namespace Hotline.OperatorConsole;

// Every state-changing API call from a signed-in session must carry the page's antiforgery token in X-CSRF-TOKEN.
// The session cookie is SameSite=Strict already; this is the second lock. Anonymous endpoints (login) have no
// session to abuse and are exempt; the Twilio webhooks are outside /api and signed instead.
public sealed class CsrfFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        var anonymous = http.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null;
        if (safe || anonymous || await antiforgery.IsRequestValidAsync(http))
        {
            return await next(context);
        }

        return TypedResults.Problem($"This request needs a valid {ConsoleSetup.CsrfHeader} header; reload the page.",
            statusCode: StatusCodes.Status400BadRequest);
    }
}
