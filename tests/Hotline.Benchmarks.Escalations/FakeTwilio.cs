using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hotline.Benchmarks.Escalations;

// The smallest Twilio the gateway can talk to: Messages.json and Calls.json answer like Twilio (as the SDK parses
// them), and every SMS is timed the moment it arrives, keyed by the need reference in its body.
public sealed partial class FakeTwilio : IAsyncDisposable
{
    readonly WebApplication app;

    public ConcurrentDictionary<string, DateTime> SmsArrivals { get; } = new();
    public int Calls;
    public int Sms;
    public string BaseUrl { get; private set; } = "";

    [GeneratedRegex(@"need (\d+)")]
    private static partial Regex Reference();

    FakeTwilio(WebApplication app) => this.app = app;

    public static async Task<FakeTwilio> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{account}/Messages.json", (string account, HttpRequest request) => fake.Message(account, request));
        app.MapPost("/2010-04-01/Accounts/{account}/Calls.json", (string account, HttpRequest request) => fake.Call(account, request));
        await app.StartAsync();
        fake.BaseUrl = app.Urls.First();
        return fake;
    }

    async Task<IResult> Message(string account, HttpRequest request)
    {
        var arrived = DateTime.UtcNow;
        Interlocked.Increment(ref Sms);
        var form = await request.ReadFormAsync();
        var body = form["Body"].ToString();
        if (Reference().Match(body) is { Success: true } match)
        {
            SmsArrivals.TryAdd(match.Groups[1].Value, arrived);
        }

        var sid = "SM" + Guid.NewGuid().ToString("N");
        return Json(new Dictionary<string, object?>
        {
            ["sid"] = sid, ["account_sid"] = account, ["to"] = form["To"].ToString(), ["from"] = form["From"].ToString(), ["body"] = body,
            ["status"] = "queued", ["direction"] = "outbound-api", ["api_version"] = "2010-04-01",
            ["date_created"] = arrived.ToString("R"), ["date_updated"] = arrived.ToString("R"), ["date_sent"] = null,
            ["error_code"] = null, ["error_message"] = null, ["num_media"] = "0", ["num_segments"] = "1", ["price"] = null,
            ["price_unit"] = "USD", ["messaging_service_sid"] = null, ["uri"] = $"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            ["subresource_uris"] = new Dictionary<string, string>(),
        });
    }

    async Task<IResult> Call(string account, HttpRequest request)
    {
        Interlocked.Increment(ref Calls);
        var form = await request.ReadFormAsync();
        var sid = "CA" + Guid.NewGuid().ToString("N");
        return Json(new Dictionary<string, object?>
        {
            ["sid"] = sid, ["account_sid"] = account, ["to"] = form["To"].ToString(), ["from"] = form["From"].ToString(),
            ["status"] = "queued", ["direction"] = "outbound-api", ["api_version"] = "2010-04-01",
            ["uri"] = $"/2010-04-01/Accounts/{account}/Calls/{sid}.json", ["subresource_uris"] = new Dictionary<string, string>(),
        });
    }

    static IResult Json(object value) => Results.Content(JsonSerializer.Serialize(value), "application/json", statusCode: 201);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
