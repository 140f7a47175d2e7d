extern alias sandbox;
using Dapper;
using Hangfire;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using sandbox::Hotline.Sandbox;
using Hotline.Telephony;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotline.Tests.Support;

// One app, one fresh database and one Twilio sandbox for the whole test run (Hangfire keeps static state, so one
// host per run); every test starts from empty tables and a sandbox that remembers nothing.
public sealed class HotlineFixture : IAsyncLifetime
{
    public const string AuthToken = "test-auth-token-0123456789abcdef";
    public const string PublicBaseUrl = "https://hotline.test";
    public const string AccountSid = "AC_test";
    public const string HotlineNumber = "+8621000000000";
    // A ladder in seconds rather than minutes, so escalation tests see it climb.
    public const int EscalationVoiceAfterSeconds = 2;
    public const int EscalationLevelIntervalSeconds = 8;

    readonly string databaseName = $"hotline_test_{Guid.NewGuid():N}"[..24];
    string adminConnectionString = "";

    public string ConnectionString { get; private set; } = "";

    // The app reaches PostgreSQL through this, so tests can take the database away from it.
    public DatabaseProxy DatabaseProxy { get; private set; } = null!;
    string appConnectionString = "";

    // The app's local data (the outage journal), fresh for every run.
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "hotline-test-" + Guid.NewGuid().ToString("N")[..8]);
    public WebApplicationFactory<Program> Factory { get; private set; } = null!;
    public NpgsqlDataSource Db { get; private set; } = null!;

    // The outside world: Twilio's REST API for the app, residents' and staff phones for the tests.
    public SandboxServer Sandbox { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        adminConnectionString = Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
            ?? throw new InvalidOperationException("HOTLINE_TEST_POSTGRES is not set: run the tests with ops/test.sh, which starts a throwaway PostgreSQL.");
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = databaseName }.ConnectionString;
        Db = NpgsqlDataSource.Create(ConnectionString);
        var direct = new NpgsqlConnectionStringBuilder(ConnectionString);
        DatabaseProxy = new DatabaseProxy(direct.Host!, direct.Port);
        appConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = DatabaseProxy.Port }.ConnectionString;

        Sandbox = await SandboxServer.StartAsync(new SandboxOptions
        {
            AccountSid = AccountSid, AuthToken = AuthToken, AppBaseUrl = PublicBaseUrl, HotlineNumber = HotlineNumber,
            // Simulated seconds pass ten times faster: a 12 s voicemail takes 1.2 s of test time.
            Speed = 10,
        });
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in Settings())
            {
                host.UseSetting(key, value);
            }

            if (Environment.GetEnvironmentVariable("HOTLINE_TEST_LOG") is { Length: > 0 } log)
            {
                host.ConfigureLogging(logging => logging.AddProvider(new TestRunLog(log)));
            }
        });
        // Starting the host applies the migrations; then the sandbox can reach the app through the test server.
        Sandbox.ConnectApp(Factory.Server.CreateHandler(), PublicBaseUrl);
    }

    IEnumerable<(string, string)> Settings() =>
    [
        ("ConnectionStrings:Hotline", appConnectionString),
        ("Hotline:DataDirectory", DataDirectory),
        ("Twilio:AuthToken", AuthToken),
        ("Twilio:AccountSid", AccountSid),
        ("Twilio:PhoneNumber", HotlineNumber),
        ("Twilio:ApiBaseUrl", Sandbox.BaseAddress.AbsoluteUri),
        ("Twilio:CallsPerSecond", "50"),
        ("Twilio:PublicBaseUrl", PublicBaseUrl),
        ("Jobs:SchedulePollingMilliseconds", "100"),
        ("Jobs:WorkerCount", "4"),
        // Every test logs in from the same test-server address.
        ("Hotline:LoginsPerMinute", "1000"),
        ("Logging:LogLevel:Default", "Warning"),
        ("Escalation:VoiceAfterSeconds", EscalationVoiceAfterSeconds.ToString()),
        ("Escalation:LevelIntervalSeconds", EscalationLevelIntervalSeconds.ToString()),
        ("Escalation:SweepMilliseconds", "500"),
        // Tests run the reconciliation sweep themselves; in the background it would fetch other tests' made-up calls.
        ("Reconciliation:SweepSeconds", "3600"),
    ];

    long resets;

    // Empties our tables (not Hangfire's, not the migration journal) before a test. Nothing the last test set going
    // may reach into this one, whose rows reuse its ids: a job left waiting would dial this test's callback 1, a call
    // left ringing would post its webhooks for call 1 here. So the tables are emptied (no row of the last test is
    // left to claim), its waiting jobs deleted, its running jobs and every call and SMS in the sandbox let finish,
    // and the tables emptied again for as long as the sandbox wrote into the app meanwhile. Needs alone are numbered
    // from a new million each test: the escalation ladder's timers live in the app's memory, where no reset reaches,
    // and one the last test armed for its need 1 would otherwise run this test's need 1 early.
    public async Task ResetAsync()
    {
        var firstNeedId = ++resets * 1_000_000L + 1;
        DatabaseProxy.Restore();
        var journal = Path.Combine(DataDirectory, "journal");
        if (Directory.Exists(journal))
        {
            foreach (var file in Directory.EnumerateFiles(journal, "*.json", SearchOption.AllDirectories))
            {
                File.Delete(file);
            }
        }

        var sandbox = Sandbox.Sandbox;
        var storage = Factory.Services.GetRequiredService<JobStorage>();
        using var settle = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            long answered;
            do
            {
                answered = sandbox.AppRequestsAnswered;
                try
                {
                    await EmptyTablesAsync(firstNeedId, settle.Token);
                    await LeftoverJobs.DrainAsync(storage, Factory.Services.GetRequiredService<IBackgroundJobClient>(), settle.Token);
                }
                catch (NpgsqlException) when (!settle.IsCancellationRequested)
                {
                    // A pooled connection that an outage test's cut killed fails on its first use (once seen here as
                    // "Connection reset by peer" from Hangfire's pool). Npgsql drops it, so the next round gets a live one.
                    answered = -1;
                }

                await sandbox.WaitForIdleAsync(settle.Token);
            } while (sandbox.AppRequestsAnswered != answered);
        }
        catch (OperationCanceledException) when (settle.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"The last test's work did not settle in 60 s: {storage.GetMonitoringApi().ProcessingCount()} Hangfire jobs processing, " +
                $"{sandbox.Calls.All().Count(c => !c.Completion.IsCompleted)} sandbox calls and " +
                $"{sandbox.Messages.All().Count(m => !m.Completion.IsCompleted)} SMS not over.");
        }

        sandbox.Reset();
    }

    async Task EmptyTablesAsync(long firstNeedId, CancellationToken ct)
    {
        await using var conn = await Db.OpenConnectionAsync(ct);
        var tables = await conn.QueryAsync<string>(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schemaversions'");
        // Background work (the escalation sweep and timers, delivery jobs) may hold a row lock on one table while
        // TRUNCATE holds another; PostgreSQL then cancels one side as a deadlock, and it may be this one. After a
        // test that leaves hundreds of call jobs running, five tries in a row met one; so it tries again, a moment
        // apart, until the reset's own time is up.
        while (true)
        {
            try
            {
                // Hangfire's locks held by nothing any more go too: an outage test's cut leaves one behind now and
                // then, which would hold up this test's scheduled jobs for Jobs:DistributedLockSeconds.
                await conn.ExecuteAsync(new CommandDefinition(
                    $"""
                    TRUNCATE {string.Join(", ", tables)} RESTART IDENTITY CASCADE; ALTER TABLE needs ALTER COLUMN id RESTART WITH {firstNeedId};
                    DELETE FROM hangfire.lock WHERE acquired < now() - interval '5 seconds'
                    """,
                    cancellationToken: ct));
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 250)), ct);
            }
        }
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Sandbox.DisposeAsync();
        await DatabaseProxy.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
        await Db.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
    }
}

[CollectionDefinition(Name)]
public sealed class HotlineCollection : ICollectionFixture<HotlineFixture>
{
    public const string Name = "hotline";
}

// Base for tests against the running app: a clean database and helpers to act as Twilio or as staff.
[Collection(HotlineCollection.Name)]
public abstract class HotlineTest(HotlineFixture fixture) : IAsyncLifetime
{
    protected HotlineFixture Fixture { get; } = fixture;
    protected TwilioWebhooks Twilio { get; } = new(fixture);
    protected NpgsqlDataSource Db => Fixture.Db;

    public Task InitializeAsync() => Fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException($"No value for: {sql}");
    }

    protected async Task<T?> RowAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<T>(sql, args);
    }

    protected async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var conn = await Db.OpenConnectionAsync();
        await conn.ExecuteAsync(sql, args);
    }

    // An outbound SMS as a sender leaves it mid-send (`claim` is the UPDATE's SET list). Queued and claimed in one
    // transaction: committed as pending first, the SMS pump's poll could send it in between and write a real SID.
    protected async Task<long> QueueClaimedSmsAsync(OutboundSms sms, string claim)
    {
        var outbox = Fixture.Factory.Services.GetRequiredService<Outbox>();
        await using var conn = await Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await outbox.QueueSmsAsync(conn, tx, sms, HotlineFixture.HotlineNumber, DateTime.UtcNow);
        await conn.ExecuteAsync($"UPDATE messages SET {claim} WHERE id = @id", new { id }, tx);
        await tx.CommitAsync();
        return id;
    }
}
