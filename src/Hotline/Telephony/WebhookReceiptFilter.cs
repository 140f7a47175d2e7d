using Dapper;
using Npgsql;

namespace Hotline.Telephony;

// Twilio marks a retried delivery with the token of the first one. The first answer is stored under that
// token, so a retry gets the same TwiML and writes nothing new. Handlers are idempotent on Twilio's own ids as
// well; this covers the steps that have no natural key (a digit pressed, a queue poll).
public sealed class WebhookReceiptFilter(NpgsqlDataSource db) : IEndpointFilter
{
    public const string TokenHeader = "I-Twilio-Idempotency-Token";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = http.Request.Headers[TokenHeader].ToString();
        if (token.Length is 0 or > 200)
        {
            return await next(context);
        }

        await using (var conn = await db.OpenConnectionAsync(http.RequestAborted))
        {
            var seen = await conn.QuerySingleOrDefaultAsync<string>(
                "SELECT body FROM webhook_receipts WHERE token = @token", new { token });
            if (seen is not null)
            {
                return new TwimlResult(seen);
            }
        }

        var result = await next(context);
        if (result is TwimlResult twiml)
        {
            await using var conn = await db.OpenConnectionAsync(http.RequestAborted);
            await conn.ExecuteAsync(
                """
                INSERT INTO webhook_receipts (token, path, status_code, content_type, body)
                VALUES (@token, @path, 200, @contentType, @body)
                ON CONFLICT (token) DO NOTHING
                """,
                new { token, path = http.Request.Path.Value, contentType = TwimlResult.ContentType, body = twiml.Xml });
        }

        return result;
    }
}
