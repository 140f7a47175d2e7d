extern alias sandbox;
using System.Net;
using Hotline.Tests.Support;

namespace Hotline.Tests.Telephony;

public sealed class WebhookSecurityTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    static readonly string[] Paths =
    [
        "/twilio/voice/incoming", "/twilio/voice/menu?attempt=1", "/twilio/voice/status",
        "/twilio/voice/voicemail/recorded", "/twilio/sms/incoming",
    ];

    [Fact]
    public async Task Missing_wrong_or_forged_signatures_are_refused_and_write_nothing()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());
        foreach (var path in Paths)
        {
            var form = caller.Form(("Digits", "1"), ("MessageSid", "SM1"), ("Body", "help"), ("RecordingSid", "RE1"));
            Assert.Equal(HttpStatusCode.Forbidden, (await Twilio.PostAsync(path, form, sign: false)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await Twilio.PostAsync(path, form, authToken: "not-the-token")).Status);

            // Signed for other fields than the ones sent: a tampered request.
            var tampered = new Dictionary<string, string>(form) { ["From"] = "+8613999999999" };
            var signature = sandbox::Hotline.Sandbox.Webhooks.WebhookSigner.Sign(HotlineFixture.AuthToken, HotlineFixture.PublicBaseUrl + path, form);
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(tampered) };
            request.Headers.Add("X-Twilio-Signature", signature);
            Assert.Equal(HttpStatusCode.Forbidden, (await Twilio.SendRawAsync(request)).Status);
        }

        Assert.Equal(0, await ScalarAsync<long>("SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM needs)"));
    }

    [Fact]
    public async Task A_retried_delivery_with_a_seen_idempotency_token_gets_the_same_answer_and_changes_nothing()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        var form = caller.Form(("Digits", "7"));

        var first = await Twilio.PostAsync("/twilio/voice/language", form, idempotencyToken: "token-1");
        var events = await ScalarAsync<long>("SELECT count(*) FROM call_events");
        var retried = await Twilio.PostAsync("/twilio/voice/language", form, idempotencyToken: "token-1");

        Assert.Equal(first.Body, retried.Body);
        Assert.Equal(events, await ScalarAsync<long>("SELECT count(*) FROM call_events"));
    }

    const string RowCounts = """
        SELECT (SELECT count(*) FROM calls) || ' calls, ' || (SELECT count(*) FROM call_events) || ' events, '
            || (SELECT count(*) FROM needs) || ' needs, ' || (SELECT count(*) FROM audit_log) || ' audit rows, '
            || (SELECT count(*) FROM messages) || ' messages, ' || (SELECT count(*) FROM webhook_receipts) || ' receipts'
        """;

    [Fact]
    public async Task A_retried_menu_choice_gets_the_same_queue_and_opens_no_second_need()
    {
        await ExecuteAsync("INSERT INTO staff (username, display_name, password_hash, role, on_duty) VALUES ('op', 'Op', 'x', 'operator', true)");
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "1");
        var form = caller.Form(("Digits", "1"));

        var first = await Twilio.PostAsync("/twilio/voice/menu?attempt=1", form, idempotencyToken: "menu-token");
        var rows = await ScalarAsync<string>(RowCounts);
        var retried = await Twilio.PostAsync("/twilio/voice/menu?attempt=1", form, idempotencyToken: "menu-token");

        Assert.Contains("Enqueue", first.Verbs);
        Assert.Equal(first.Body, retried.Body);
        Assert.Equal(rows, await ScalarAsync<string>(RowCounts));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM webhook_receipts WHERE token = 'menu-token'"));
    }

    [Fact]
    public async Task A_retried_first_delivery_of_an_unknown_call_creates_no_call()
    {
        // The stored answer is found by the same round trip that would create the call row; that row must not survive.
        var caller = new Caller(Twilio, Caller.NewPhone());
        var first = await caller.Dial();
        await ExecuteAsync("INSERT INTO webhook_receipts (token, path, status_code, body) VALUES ('seen-token', '/twilio/voice/incoming', 200, @Body)", new { first.Body });
        var rows = await ScalarAsync<string>(RowCounts);

        var other = new Caller(Twilio, Caller.NewPhone());
        var retried = await Twilio.PostAsync("/twilio/voice/incoming", other.Form(("CallStatus", "ringing")), idempotencyToken: "seen-token");

        Assert.Equal(first.Body, retried.Body);
        Assert.Equal(rows, await ScalarAsync<string>(RowCounts));
    }

    [Fact]
    public async Task A_retried_sms_gets_the_stored_reply_and_records_nothing_new()
    {
        var form = new Dictionary<string, string> { ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["From"] = Caller.NewPhone(), ["Body"] = "We need food" };

        var first = await Twilio.PostAsync("/twilio/sms/incoming", form, idempotencyToken: "sms-token");
        // Marked, so that the answer to the retry can only have come from the receipt (the SMS has natural keys too).
        var stored = first.Body.Replace("<Message>", "<Message>(stored) ");
        await ExecuteAsync("UPDATE webhook_receipts SET body = @stored WHERE token = 'sms-token'", new { stored });
        var rows = await ScalarAsync<string>(RowCounts);
        var retried = await Twilio.PostAsync("/twilio/sms/incoming", form, idempotencyToken: "sms-token");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Contains("(stored)", stored);
        Assert.Equal(stored, retried.Body);
        Assert.Equal(rows, await ScalarAsync<string>(RowCounts));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM webhook_receipts WHERE token = 'sms-token'"));
    }

    [Fact]
    public async Task Malformed_webhooks_get_400_with_a_reason_and_write_nothing()
    {
        var noCallSid = await Twilio.PostAsync("/twilio/voice/incoming", new Dictionary<string, string> { ["From"] = "+8613800000001" });
        Assert.Equal(HttpStatusCode.BadRequest, noCallSid.Status);
        Assert.Contains("CallSid", noCallSid.Body);

        var badSms = await Twilio.PostAsync("/twilio/sms/incoming", new Dictionary<string, string> { ["MessageSid"] = "SM9", ["From"] = "not a number", ["Body"] = "hi" });
        Assert.Equal(HttpStatusCode.BadRequest, badSms.Status);
        Assert.Contains("From", badSms.Body);

        using var json = new HttpRequestMessage(HttpMethod.Post, "/twilio/voice/incoming") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Twilio.SendRawAsync(json)).Status);

        Assert.Equal(0, await ScalarAsync<long>("SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM messages)"));
    }

    [Fact]
    public async Task A_withheld_caller_id_still_gets_through()
    {
        var caller = new Caller(Twilio, "anonymous");

        var answer = await caller.Dial();

        Assert.Contains("Gather", answer.Verbs);
        Assert.Equal("anonymous", await ScalarAsync<string>("SELECT from_phone FROM calls"));
    }

    [Fact]
    public async Task Wrong_or_missing_digits_on_a_live_call_reprompt_instead_of_failing()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");

        foreach (var digits in new[] { "", "#", "12345678901234567890", "<script>", "' OR 1=1 --" })
        {
            await ExecuteAsync("UPDATE calls SET menu_failures = 0");
            var answer = await caller.Press("/twilio/voice/menu?attempt=1", digits);
            Assert.Contains("Gather", answer.Verbs);
        }
    }
}
