extern alias sandbox;
using Dapper;
using Hotline.Telephony;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Telephony;

// The app's gateway over the real Twilio SDK, against the sandbox standing in for Twilio's REST API.
public sealed class GatewayTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    Outbox Outbox => Fixture.Factory.Services.GetRequiredService<Outbox>();
    PhoneBook Phones => Fixture.Sandbox.Phones;

    async Task<long> SendSmsAsync(string to, string body, string key)
    {
        await using var conn = await Db.OpenConnectionAsync();
        var id = await Outbox.QueueSmsAsync(conn, null, new OutboundSms(to, body, "test", key), HotlineFixture.HotlineNumber, DateTime.UtcNow);
        Outbox.DispatchSms();
        return id;
    }

    Task<(string Status, string? MessageSid, int? ErrorCode, string? ErrorMessage)> MessageAsync(long id) =>
        RowAsync<(string, string?, int?, string?)>("SELECT status, message_sid, error_code, error_message FROM messages WHERE id = @id", new { id });

    [Fact]
    public async Task An_sms_is_recorded_then_sent_and_its_delivery_report_fills_in_sid_and_status()
    {
        var id = await SendSmsAsync("+8613800000101", "Your reference is 100007", "t1");

        var message = await Eventually.WaitForAsync(() => MessageAsync(id), m => m.Status == "delivered");

        Assert.Equal("delivered", message.Status);
        Assert.StartsWith("SM", message.MessageSid);
        var received = Assert.Single(Phones.MessagesTo("+8613800000101"));
        Assert.Equal("Your reference is 100007", received.Body);
        Assert.Equal(message.MessageSid, received.Sid);
    }

    [Fact]
    public async Task The_same_sms_queued_twice_and_dispatched_twice_is_sent_once()
    {
        var first = await SendSmsAsync("+8613800000102", "once", "same-key");
        var second = await SendSmsAsync("+8613800000102", "once", "same-key");
        Outbox.DispatchSms();

        await Eventually.WaitForAsync(() => MessageAsync(first), m => m.Status == "delivered");
        await Task.Delay(500);

        Assert.Equal(first, second);
        Assert.Single(Phones.MessagesTo("+8613800000102"));
    }

    [Fact]
    public async Task A_refused_sms_is_failed_with_twilios_code_and_never_silently_dropped()
    {
        Phones.SetBehaviour("+8613800000103", new PhoneBehaviour { RestFailure = new RestFailure(400, 21211, "The 'To' number is not a valid phone number.") });

        var id = await SendSmsAsync("+8613800000103", "hello", "t3");
        var message = await Eventually.WaitForAsync(() => MessageAsync(id), m => m.Status == "failed");

        Assert.Equal(("failed", 21211), (message.Status, message.ErrorCode));
        Assert.Contains("not a valid phone number", message.ErrorMessage);
        Assert.Empty(Phones.MessagesTo("+8613800000103"));
    }

    [Fact]
    public async Task Rate_limits_and_server_errors_are_retried_until_twilio_takes_the_message()
    {
        Phones.SetBehaviour("+8613800000104", new PhoneBehaviour { RestFailure = new RestFailure(429, 20429, "Too Many Requests", Times: 2) });
        Phones.SetBehaviour("+8613800000105", new PhoneBehaviour { RestFailure = new RestFailure(503, null, "Service Unavailable", Times: 1) });

        var limited = await SendSmsAsync("+8613800000104", "a", "t4");
        var unavailable = await SendSmsAsync("+8613800000105", "b", "t5");

        Assert.Equal("delivered", (await Eventually.WaitForAsync(() => MessageAsync(limited), m => m.Status == "delivered")).Status);
        Assert.Equal("delivered", (await Eventually.WaitForAsync(() => MessageAsync(unavailable), m => m.Status == "delivered")).Status);
        Assert.Single(Phones.MessagesTo("+8613800000104"));
    }

    [Fact]
    public async Task An_undelivered_sms_is_visible_as_undelivered()
    {
        Phones.SetBehaviour("+8613800000106", new PhoneBehaviour { Sms = SmsOutcome.Undelivered, SmsErrorCode = 30003 });

        var id = await SendSmsAsync("+8613800000106", "hello", "t6");
        var message = await Eventually.WaitForAsync(() => MessageAsync(id), m => m.Status == "undelivered");

        Assert.Equal(("undelivered", 30003), (message.Status, message.ErrorCode));
    }

    [Fact]
    public async Task A_call_is_recorded_before_it_is_placed_and_its_status_callbacks_complete_the_row()
    {
        Phones.SetBehaviour("+8613800000107", new PhoneBehaviour { Answer = AnswerMode.Busy });
        long id;
        await using (var conn = await Db.OpenConnectionAsync())
        {
            id = await Outbox.QueueCallAsync(conn, null,
                new OutboundCall("+8613800000107", "/twilio/voice/incoming", "test", "call-1"), HotlineFixture.HotlineNumber, DateTime.UtcNow);
        }

        Assert.Equal("pending", await ScalarAsync<string>("SELECT status FROM calls WHERE id = @id", new { id }));
        Outbox.DispatchCall(id);

        var call = await Eventually.WaitForAsync(
            () => RowAsync<(string Status, string? CallSid, string? Outcome, string Direction)>("SELECT status, call_sid, outcome, direction FROM calls WHERE id = @id", new { id }),
            c => c.Status == "busy");
        Assert.Equal(("busy", "missed", "outbound-api"), (call.Status, call.Outcome, call.Direction));
        Assert.StartsWith("CA", call.CallSid);
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM calls"));
        Assert.Single(Phones.CallsOf("+8613800000107"));
    }

    async Task<long> QueueCallAsync(string to, string key)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await Outbox.QueueCallAsync(conn, null, new OutboundCall(to, "/twilio/voice/incoming", "test", key), HotlineFixture.HotlineNumber, DateTime.UtcNow);
    }

    [Fact]
    public async Task A_refused_call_is_failed_and_missed_with_twilios_code_and_never_placed()
    {
        Phones.SetBehaviour("+8613800000109", new PhoneBehaviour { RestFailure = new RestFailure(400, 21215, "Geographic permission not enabled.") });

        var id = await QueueCallAsync("+8613800000109", "refused-call");
        Outbox.DispatchCall(id);

        var call = await Eventually.WaitForAsync(
            () => RowAsync<(string Status, string? Outcome, int? ErrorCode, string? ErrorMessage, bool Ended)>(
                "SELECT status, outcome, error_code, error_message, ended_at IS NOT NULL FROM calls WHERE id = @id", new { id }),
            c => c.Status == "failed");
        Assert.Equal(("failed", "missed", 21215, true), (call.Status, call.Outcome, call.ErrorCode, call.Ended));
        Assert.Contains("Geographic permission", call.ErrorMessage);
        Assert.Empty(Phones.CallsOf("+8613800000109"));
    }

    [Fact]
    public async Task The_same_call_job_run_twice_at_once_places_one_call()
    {
        Phones.SetBehaviour("+8613800000110", new PhoneBehaviour { Answer = AnswerMode.Busy });
        var id = await QueueCallAsync("+8613800000110", "twice");
        var job = ActivatorUtilities.CreateInstance<CallDeliveryJob>(Fixture.Factory.Services);

        await Task.WhenAll(job.RunAsync(id, CancellationToken.None), job.RunAsync(id, CancellationToken.None));

        // The sandbox notes a call as it plays it, just after answering the REST request.
        await Eventually.WaitForAsync(() => ScalarAsync<string>("SELECT status FROM calls WHERE id = @id", new { id }), s => s == "busy");
        Assert.Single(Phones.CallsOf("+8613800000110"));
        var call = await RowAsync<(int Attempts, string? CallSid)>("SELECT attempts, call_sid FROM calls WHERE id = @id", new { id });
        Assert.Equal(1, call.Attempts);
        Assert.StartsWith("CA", call.CallSid);
    }

    [Fact]
    public async Task A_sweep_hands_on_a_call_whose_worker_died_mid_send_and_leaves_a_fresh_claim_alone()
    {
        Phones.SetBehaviour("+8613800000111", new PhoneBehaviour { Answer = AnswerMode.Busy });
        Phones.SetBehaviour("+8613800000112", new PhoneBehaviour { Answer = AnswerMode.Busy });
        var stale = await QueueCallAsync("+8613800000111", "stale-claim");
        var fresh = await QueueCallAsync("+8613800000112", "fresh-claim");
        await ExecuteAsync("UPDATE calls SET status = 'dispatching', updated_at = now() - interval '3 minutes' WHERE id = @stale", new { stale });
        await ExecuteAsync("UPDATE calls SET status = 'dispatching', updated_at = now() - interval '30 seconds' WHERE id = @fresh", new { fresh });

        await Fixture.Factory.Services.GetRequiredService<OutboxSweeper>().SweepAsync(CancellationToken.None);

        await Eventually.WaitForAsync(() => Task.FromResult(Phones.CallsOf("+8613800000111").Count), n => n > 0);
        Assert.Single(Phones.CallsOf("+8613800000111"));
        Assert.Empty(Phones.CallsOf("+8613800000112"));
        Assert.Equal("dispatching", await ScalarAsync<string>("SELECT status FROM calls WHERE id = @fresh", new { fresh }));
    }

    [Fact]
    public async Task A_sweep_hands_on_a_message_whose_job_was_never_enqueued()
    {
        await using (var conn = await Db.OpenConnectionAsync())
        {
            // Written as a crash between commit and enqueue would leave it.
            await conn.ExecuteAsync(
                """
                INSERT INTO messages (direction, dedupe_key, from_phone, to_phone, body, status, created_at, updated_at)
                VALUES ('outbound', 'orphan', '+8621000000000', '+8613800000108', 'orphan', 'pending', now() - interval '1 minute', now() - interval '1 minute')
                """);
        }

        await Fixture.Factory.Services.GetRequiredService<OutboxSweeper>().SweepAsync(CancellationToken.None);

        await Eventually.WaitForAsync(() => Task.FromResult(Phones.MessagesTo("+8613800000108").Count), n => n > 0);
        Assert.Single(Phones.MessagesTo("+8613800000108"));
    }
}
