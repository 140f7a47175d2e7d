using System.ComponentModel.DataAnnotations;

namespace Hotline.Infrastructure;

public sealed class HotlineOptions
{
    // Region used to read numbers written without a country code (libphonenumber region, e.g. "CN").
    public string DefaultRegion { get; set; } = "CN";
    public string DataDirectory { get; set; } = ".data/app";
    public bool SeedDemoStaff { get; set; }
    public string? DemoPassword { get; set; }
    public bool MigrateOnStartup { get; set; } = true;
    public bool BenchmarkEndpoints { get; set; }

    // The database work of one webhook; past it the webhook is journaled and answered without the database.
    [Range(200, 10000)]
    public int WebhookBudgetMilliseconds { get; set; } = 1500;

    // Logins per minute from one client address (the test run logs in from one address many times a minute).
    [Range(1, 100000)]
    public int LoginsPerMinute { get; set; } = 20;
}
