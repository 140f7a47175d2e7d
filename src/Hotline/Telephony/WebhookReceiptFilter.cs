using Dapper;
using Npgsql;

namespace Hotline.Telephony;

// Twilio marks a retried delivery with the token of the first one. The first answer is stored under that
// token, so a retry gets the same TwiML and writes nothing new. Handlers are idempotent on Twilio's own ids as
// well; this covers the steps that have no natural key (a digit pressed, a queue poll).
//
// The connection opened for the lookup is lent to the handler (see Lend/Borrowed), and a handler that stores
// the receipt in its own transaction says so, so a webhook costs one pooled connection and one commit.
public sealed class WebhookReceiptFilter(NpgsqlDataSource db) : IEndpointFilter
{
    public const string TokenHeader = "I-Twilio-Idempotency-Token";
    const string ConnectionKey = "hotline.webhook-connection";
    const string StoredKey = "hotline.receipt-stored";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = Token(http);
        if (token is null)
        {
            return await next(context);
        }

        await using var conn = await db.OpenConnectionAsync(http.RequestAborted);
        var seen = await conn.QuerySingleOrDefaultAsync<string>("SELECT body FROM webhook_receipts WHERE token = @token", new { token });
        if (seen is not null)
        {
            return new TwimlResult(seen);
        }

        http.Items[ConnectionKey] = conn;
        object? result;
        try
        {
            result = await next(context);
        }
        finally
        {
            http.Items.Remove(ConnectionKey);
        }

        if (result is TwimlResult twiml && !http.Items.ContainsKey(StoredKey))
        {
            await StoreAsync(conn, null, http, twiml);
        }

        return result;
    }

    // The connection the receipt lookup opened for this request, if any; the caller must not dispose it.
    public static NpgsqlConnection? Borrowed(HttpContext? http) => http?.Items[ConnectionKey] as NpgsqlConnection;

    // Stores the answer in the handler's transaction, so the answer and the rows it describes commit together.
    public static async Task StoreAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, HttpContext? http, TwimlResult twiml)
    {
        if (http is null || Token(http) is not { } token)
        {
            return;
        }

        await conn.ExecuteAsync(
            """
            INSERT INTO webhook_receipts (token, path, status_code, content_type, body)
            VALUES (@token, @path, 200, @contentType, @body)
            ON CONFLICT (token) DO NOTHING
            """,
            new { token, path = http.Request.Path.Value, contentType = TwimlResult.ContentType, body = twiml.Xml }, tx);
        http.Items[StoredKey] = true;
    }

    static string? Token(HttpContext http) =>
        http.Request.Headers[TokenHeader].ToString() is { Length: > 0 and <= 200 } token ? token : null;
}
