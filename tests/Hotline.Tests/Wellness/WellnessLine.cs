using Dapper;
using Hotline.Tests.Support;
using Hotline.Wellness;
using Npgsql;

namespace Hotline.Tests.Wellness;

// One wellness attempt as Twilio would report it: the app placed the call (row `callId`), the resident picked up.
public sealed class WellnessLine(TwilioWebhooks twilio, string residentPhone, long checkId, long callId)
{
    readonly OutboundLeg leg = new(twilio, callId, residentPhone, $"/twilio/voice/wellness?check={checkId}");

    public string CallSid => leg.CallSid;

    public Task<WebhookAnswer> PickUp() => leg.Answer();

    public Task<WebhookAnswer> Press(string digits, int attempt = 1) =>
        leg.PostAsync($"/twilio/voice/wellness/answer?check={checkId}&attempt={attempt}", ("Digits", digits));

    public Task<WebhookAnswer> Status(string status) => leg.Status(status);

    // A resident and today's check, due now.
    public static async Task<(long CheckId, string Phone)> DueCheckAsync(NpgsqlDataSource db, string language, string flags)
    {
        var phone = Caller.NewPhone();
        await using var conn = await db.OpenConnectionAsync();
        var residentId = await conn.ExecuteScalarAsync<long>(
            "INSERT INTO residents (phone, name, language, flags) VALUES (@phone, 'Wang Fang', @language, @flags::text[]) RETURNING id",
            new { phone, language, flags });
        var checkId = await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO wellness_checks (resident_id, day, phone, next_attempt_at, created_at, updated_at)
            VALUES (@residentId, (now() AT TIME ZONE 'Asia/Shanghai')::date, @phone, now() - interval '1 second', now(), now())
            RETURNING id
            """, new { residentId, phone });
        return (checkId, phone);
    }

    // An attempt as the call job leaves it once Twilio took the call: the check is calling and its call row is queued
    // (so neither the delivery job nor the sandbox plays it; the test speaks for Twilio).
    public static async Task<WellnessLine> RingAsync(NpgsqlDataSource db, TwilioWebhooks twilio, long checkId, string phone)
    {
        await using var conn = await db.OpenConnectionAsync();
        var attempt = await conn.ExecuteScalarAsync<int>("SELECT attempts + 1 FROM wellness_checks WHERE id = @checkId", new { checkId });
        var callId = await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO calls (direction, dedupe_key, from_phone, to_phone, resident_id, purpose, twiml_path, status, stage, started_at, updated_at)
            VALUES ('outbound-api', @key, '+8621000000000', @phone, (SELECT id FROM residents WHERE phone = @phone), 'wellness',
                    '/twilio/voice/wellness?check=' || @checkId, 'queued', 'outbound', now(), now())
            RETURNING id
            """, new { key = WellnessNeeds.CallKey(checkId, attempt), phone, checkId });
        await conn.ExecuteAsync(
            "UPDATE wellness_checks SET status = 'calling', attempts = @attempt, call_id = @callId, next_attempt_at = NULL WHERE id = @checkId",
            new { checkId, attempt, callId });
        return new WellnessLine(twilio, phone, checkId, callId);
    }
}
