using Hotline.Telephony;
using Microsoft.AspNetCore.Diagnostics;

namespace Hotline.Infrastructure;

// Bad input is the caller's problem and gets a 4xx that says what is wrong; anything else is ours, is logged with
// the request it came from, and gets a 500 without internals.
public sealed class ErrorHandling(IProblemDetailsService problems, ILogger<ErrorHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, detail) = exception switch
        {
            BadWebhookException bad => (StatusCodes.Status400BadRequest, bad.Message),
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            InvalidDataException bad => (StatusCodes.Status400BadRequest, bad.Message),
            _ => (StatusCodes.Status500InternalServerError, "The hotline could not handle this request; it has been logged."),
        };

        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
        }
        else
        {
            logger.LogWarning("Refused {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path, detail);
        }

        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }
}
