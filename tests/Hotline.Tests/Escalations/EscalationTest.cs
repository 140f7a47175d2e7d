extern alias sandbox;
using Dapper;
using Hotline.Escalations;
using Hotline.Needs;
using Hotline.Staff;
using Hotline.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using sandbox::Hotline.Sandbox.Phones;

namespace Hotline.Tests.Escalations;

// Ladder tests run against the app's own Hangfire server, timers and sweep, with the fixture's short ladder
// (Escalation:VoiceAfterSeconds 2, LevelIntervalSeconds 4). Needs are written straight into the table so that their
// deadline can be seconds away, then watched the way NeedStore does for a new urgent need.
public abstract class EscalationTest(HotlineFixture fixture) : HotlineTest(fixture), IAsyncLifetime
{
    protected static readonly TimeSpan VoiceAfter = TimeSpan.FromSeconds(HotlineFixture.EscalationVoiceAfterSeconds);
    protected static readonly TimeSpan LevelInterval = TimeSpan.FromSeconds(HotlineFixture.EscalationLevelIntervalSeconds);

    // Ladders left climbing would go on calling the sandbox's phones into the next test.
    public new async Task DisposeAsync()
    {
        await ExecuteAsync("UPDATE needs SET status = 'cancelled', escalation_due_at = NULL WHERE status IN ('open', 'acknowledged')");
        await base.DisposeAsync();
    }

    protected PhoneBook Phones => Fixture.Sandbox.Phones;

    protected T Service<T>() where T : notnull => Fixture.Factory.Services.GetRequiredService<T>();

    protected async Task<StaffRow> AddStaffAsync(string username, int? level, bool onDuty = true, string role = Roles.Supervisor, string language = "en-US", bool phone = true)
    {
        var hash = new PasswordHasher<StaffMember>().HashPassword(new StaffMember(), StaffLogin.Password);
        var number = phone ? "+86139" + Random.Shared.Next(10_000_000, 99_999_999) : null;
        await using var conn = await Db.OpenConnectionAsync();
        var id = await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO staff (username, display_name, role, phone, password_hash, language, on_duty, escalation_level)
            VALUES (@username, @username, @role, @number, @hash, @language, @onDuty, @level) RETURNING id
            """,
            new { username, role, number, hash, language, onDuty, level });
        return new StaffRow(id, username, number);
    }

    // An urgent need whose acknowledgement deadline is `ackIn` from now (negative: already past).
    protected async Task<NeedRow> UrgentNeedAsync(TimeSpan ackIn, bool watch = true, string urgency = Urgency.Urgent)
    {
        await using var conn = await Db.OpenConnectionAsync();
        var reference = ReferenceCode.FromSequence(await conn.ExecuteScalarAsync<long>("SELECT nextval('need_reference_seq')"));
        var deadline = DateTime.UtcNow + ackIn;
        var id = await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO needs (reference, phone, source, category, urgency, ack_deadline, fulfil_deadline, created_at, updated_at)
            VALUES (@reference, '+8613812345678', 'call', 'urgent_medical', @urgency, @deadline, @deadline + interval '3 hours', now(), now())
            RETURNING id
            """,
            new { reference, urgency, deadline });
        if (watch)
        {
            Service<EscalationScheduler>().Watch(id, deadline);
        }

        return new NeedRow(id, reference, deadline);
    }

    protected async Task<IReadOnlyList<Alert>> AlertsAsync(long needId)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return (await conn.QueryAsync<Alert>("SELECT * FROM escalations WHERE need_id = @needId ORDER BY id", new { needId })).AsList();
    }

    protected async Task<IReadOnlyList<Alert>> WaitForAlertsAsync(long needId, Func<IReadOnlyList<Alert>, bool> until, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var alerts = await AlertsAsync(needId);
            if (until(alerts))
            {
                return alerts;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Gave up waiting; alerts so far: {Describe(alerts)}");
            await Task.Delay(100);
        }
    }

    protected static string Describe(IEnumerable<Alert> alerts) =>
        string.Join(" ", alerts.Select(a => $"{a.Kind}:{a.Step}:L{a.Level}:{a.Channel}:{a.RecipientId?.ToString() ?? "-"}:{a.Status}"));

    protected static string Shape(IEnumerable<Alert> alerts) =>
        string.Join(" ", alerts.Select(a => $"{a.Kind}:{a.Step}:L{a.Level}:{a.Channel}:{a.RecipientId?.ToString() ?? "-"}"));

    protected async Task<int> OutboundSmsCountAsync(string phone) =>
        await ScalarAsync<int>("SELECT count(*) FROM messages WHERE direction = 'outbound' AND to_phone = @phone", new { phone });

    protected async Task<int> OutboundCallCountAsync(string phone) =>
        await ScalarAsync<int>("SELECT count(*) FROM calls WHERE direction = 'outbound-api' AND to_phone = @phone", new { phone });

    protected Task<WebhookAnswer> SmsAsync(string from, string body) =>
        Twilio.PostAsync("/twilio/sms/incoming", new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"),
            ["AccountSid"] = "AC_test",
            ["From"] = from,
            ["To"] = "+8621000000000",
            ["Body"] = body,
        });

    // What a staff phone received, once the sandbox has it.
    protected async Task<IReadOnlyList<ReceivedSms>> SmsReceivedAsync(string phone, int atLeast = 1) =>
        await Eventually.WaitForAsync(() => Task.FromResult(Phones.MessagesTo(phone)), m => m.Count >= atLeast);

    protected async Task<IReadOnlyList<PhoneCall>> CallsReceivedAsync(string phone, int atLeast = 1) =>
        await Eventually.WaitForAsync(() => Task.FromResult(Phones.CallsOf(phone)), c => c.Count >= atLeast);

    protected static string SmsReply(WebhookAnswer answer) => string.Join(" ", answer.Twiml.Descendants("Message").Select(m => m.Value));

    public sealed record StaffRow(long Id, string Username, string? Phone);

    public sealed record NeedRow(long Id, string Reference, DateTime AckDeadline);
}
