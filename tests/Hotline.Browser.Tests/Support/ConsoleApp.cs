using Dapper;
using Hotline.Staff;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Npgsql;

namespace Hotline.Browser.Tests.Support;

// One app on a real loopback port (the browser needs a real address), one fresh database and one Chromium for the
// whole run: Hangfire keeps static state, so one host per run. Tables are emptied before each test.
public sealed class ConsoleApp : IAsyncLifetime
{
    public const string AuthToken = "browser-test-auth-token-0123456789";
    public const string PublicBaseUrl = "https://hotline.test";
    public const string Password = "correct horse battery staple";

    readonly string databaseName = $"hotline_browser_{Guid.NewGuid():N}"[..28];
    string adminConnectionString = "";
    WebApplicationFactory<Program> factory = null!;
    IPlaywright playwright = null!;

    public string BaseUrl { get; private set; } = "";
    public NpgsqlDataSource Db { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public FakeTwilioApi TwilioApi { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    // The clock of the session cookies only, so a test can let half an hour pass.
    public FakeTimeProvider SessionClock { get; } = new(DateTimeOffset.UtcNow);

    // Where the tests leave a screenshot of each page (copied by hand into docs/screenshots when they change).
    public static string ScreenshotFolder { get; } =
        Environment.GetEnvironmentVariable("HOTLINE_SCREENSHOTS") ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        adminConnectionString = Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
            ?? throw new InvalidOperationException("HOTLINE_TEST_POSTGRES is not set: run the tests with ops/test.sh, which starts a throwaway PostgreSQL.");
        var connectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = databaseName }.ConnectionString;
        Db = NpgsqlDataSource.Create(connectionString);
        TwilioApi = await FakeTwilioApi.StartAsync();

        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["ConnectionStrings:Hotline"] = connectionString,
                ["Twilio:AuthToken"] = AuthToken,
                ["Twilio:AccountSid"] = "AC_test",
                ["Twilio:PhoneNumber"] = "+8621000000000",
                ["Twilio:PublicBaseUrl"] = PublicBaseUrl,
                ["Twilio:ApiBaseUrl"] = TwilioApi.BaseUrl,
                ["Twilio:CallsPerSecond"] = "100",
                ["Jobs:WorkerCount"] = "2",
                ["Logging:LogLevel:Default"] = "Warning",
                // Every test logs in from 127.0.0.1.
                ["Hotline:LoginsPerMinute"] = "1000",
            })
            {
                host.UseSetting(key, value);
            }

            host.ConfigureServices(services => services.PostConfigure<CookieAuthenticationOptions>(
                CookieAuthenticationDefaults.AuthenticationScheme, cookie => cookie.TimeProvider = SessionClock));
        });
        factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        BaseUrl = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First().TrimEnd('/');
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };

        Directory.CreateDirectory(ScreenshotFolder);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--autoplay-policy=no-user-gesture-required"],
        });
    }

    public async Task ResetAsync()
    {
        await using var conn = await Db.OpenConnectionAsync();
        var tables = await conn.QueryAsync<string>(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('schemaversions', 'data_protection_keys')");
        // The app's own background work (the outbox sweeper) may hold a lock TRUNCATE wants: try again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await conn.ExecuteAsync($"TRUNCATE {string.Join(", ", tables)} RESTART IDENTITY CASCADE");
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
                await Task.Delay(100 * attempt);
            }
        }
    }

    public async Task<long> AddStaffAsync(string username, string role, bool onDuty = false, string language = "en-US", string? phone = null, int? level = null)
    {
        var hash = new PasswordHasher<StaffMember>().HashPassword(new StaffMember(), Password);
        await using var conn = await Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO staff (username, display_name, role, password_hash, on_duty, language, phone, escalation_level, duty_changed_at)
            VALUES (@username, initcap(@username), @role, @hash, @onDuty, @language, @phone, @level, now())
            RETURNING id
            """, new { username, role, hash, onDuty, language, phone, level });
    }

    // A browser page signed in as this member of staff, through the same login API the login form uses.
    public async Task<IPage> SignedInPageAsync(string username)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 }, AcceptDownloads = true });
        var login = await context.APIRequest.PostAsync("/api/auth/login", new() { DataObject = new { username, password = Password } });
        Assert.True(login.Ok, $"login as {username}: {login.Status}");
        return await context.NewPageAsync();
    }

    public async Task<IPage> AnonymousPageAsync()
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        return await context.NewPageAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        playwright.Dispose();
        Http.Dispose();
        await factory.DisposeAsync();
        await TwilioApi.DisposeAsync();
        await Db.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleApp>
{
    public const string Name = "console";
}

[Collection(ConsoleCollection.Name)]
public abstract class ConsoleTest(ConsoleApp app) : IAsyncLifetime
{
    protected ConsoleApp App { get; } = app;
    protected Residents Phone { get; } = new(app);

    public Task InitializeAsync() => App.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await App.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException($"No value for: {sql}");
    }

    protected async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var conn = await App.Db.OpenConnectionAsync();
        await conn.ExecuteAsync(sql, args);
    }
}
