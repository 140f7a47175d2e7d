using Dapper;
using Hotline.Calls;
using Npgsql;
using NpgsqlTypes;

namespace Hotline.Telephony;

// Twilio marks a retried delivery with the token of the first one. The first answer is stored under that
// token, so a retry gets the same TwiML and writes nothing new. Handlers are idempotent on Twilio's own ids as
// well; this covers the steps that have no natural key (a digit pressed, a queue poll).
//
// A voice step (any handler that takes a VoiceWebhook) does both halves itself: the lookup goes out with the
// step's first statement and the answer is stored in the step's transaction, so the answer and the rows it stands
// for commit together and a webhook costs one connection and no extra round trip. Other handlers (SMS) get the
// lookup and the store from this filter, on a connection of its own.
public sealed class WebhookReceiptFilter(NpgsqlDataSource db) : IEndpointFilter
{
    public const string TokenHeader = "I-Twilio-Idempotency-Token";
    const string LookUpInStepKey = "hotline.receipt-lookup";
    const string StoredKey = "hotline.receipt-stored";

    // The step's lookup; it takes the token as @receiptToken.
    public const string LookupSql = "SELECT body FROM webhook_receipts WHERE token = @receiptToken";

    const string StoreSql = """
        INSERT INTO webhook_receipts (token, path, status_code, content_type, body)
        VALUES ($1, $2, 200, $3, $4)
        ON CONFLICT (token) DO NOTHING
        """;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = Token(http);
        if (token is null)
        {
            return await next(context);
        }

        if (context.Arguments.Any(argument => argument is VoiceWebhook))
        {
            http.Items[LookUpInStepKey] = token;
            var answered = await next(context);
            if (answered is TwimlResult unstored && !http.Items.ContainsKey(StoredKey))
            {
                // Took a VoiceWebhook but answered without running a step.
                await using var own = await db.OpenConnectionAsync(http.RequestAborted);
                await StoreAsync(own, http, unstored);
            }

            return answered;
        }

        await using var conn = await db.OpenConnectionAsync(http.RequestAborted);
        var seen = await conn.QuerySingleOrDefaultAsync<string>(LookupSql, new { receiptToken = token });
        if (seen is not null)
        {
            return new TwimlResult(seen);
        }

        var result = await next(context);
        if (result is TwimlResult twiml)
        {
            await StoreAsync(conn, http, twiml);
        }

        return result;
    }

    static async Task StoreAsync(NpgsqlConnection conn, HttpContext http, TwimlResult twiml)
    {
        if (StoreCommand(http, twiml) is { } store)
        {
            await using var batch = new NpgsqlBatch(conn) { BatchCommands = { store } };
            await batch.ExecuteNonQueryAsync(http.RequestAborted);
        }
    }

    // The token a voice step must look up with LookupSql, when this filter left that to it.
    public static string? TokenToLookUp(HttpContext? http) => http?.Items[LookUpInStepKey] as string;

    // What a voice step answers when its lookup found the first delivery's answer.
    public static TwimlResult Seen(HttpContext http, string body)
    {
        http.Items[StoredKey] = true;
        return new TwimlResult(body);
    }

    // The statement that stores this answer under the request's token, for the step's last round trip; null when
    // the request carries no token. Once taken, the filter leaves the storing to whoever runs it.
    public static NpgsqlBatchCommand? StoreCommand(HttpContext? http, TwimlResult twiml)
    {
        if (http is null || Token(http) is not { } token)
        {
            return null;
        }

        http.Items[StoredKey] = true;
        return new NpgsqlBatchCommand(StoreSql)
        {
            Parameters =
            {
                new() { Value = token, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = http.Request.Path.Value ?? "", NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = TwimlResult.ContentType, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = twiml.Xml, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };
    }

    static string? Token(HttpContext http) =>
        http.Request.Headers[TokenHeader].ToString() is { Length: > 0 and <= 200 } token ? token : null;
}
