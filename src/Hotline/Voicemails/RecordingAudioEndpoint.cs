using Dapper;
using Hotline.Telephony;
using Npgsql;

namespace Hotline.Voicemails;

public static class RecordingAudioEndpoint
{
    public static RouteGroupBuilder MapRecordingAudio(this RouteGroupBuilder api)
    {
        api.MapGet("/voicemails/{recordingSid}/audio", Audio);
        return api;
    }

    // Staff hear recordings through the app; only recordings we hold are fetched, so this is no open proxy to Twilio.
    static async Task<IResult> Audio(string recordingSid, NpgsqlDataSource db, TwilioGateway gateway, HttpContext http, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            if (!await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM voicemails WHERE recording_sid = @recordingSid)", new { recordingSid }))
            {
                return TypedResults.NotFound();
            }
        }

        var upstream = await gateway.FetchRecordingAsync(recordingSid, ct);
        http.Response.RegisterForDispose(upstream);
        if (!upstream.IsSuccessStatusCode)
        {
            return TypedResults.Problem($"Twilio answered {(int)upstream.StatusCode} for this recording.", statusCode: StatusCodes.Status502BadGateway);
        }

        http.Response.Headers.CacheControl = "private, no-store";
        var contentType = upstream.Content.Headers.ContentType?.ToString() ?? "audio/mpeg";
        return TypedResults.Stream(await upstream.Content.ReadAsStreamAsync(ct), contentType);
    }
}
