using Hotline.Resilience;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Support;

// The app's outage journal (the webhooks it answered without the database), and the wait for its replay once the
// database is back (HotlineFixture.DatabaseProxy).
public static class JournalReplay
{
    public static WebhookJournal Journal(this HotlineFixture fixture) => fixture.Factory.Services.GetRequiredService<WebhookJournal>();

    public static async Task RestoreAndReplayAsync(this HotlineFixture fixture)
    {
        fixture.DatabaseProxy.Restore();
        // The background replayer runs every second; waiting for it is the real thing.
        await Eventually.WaitForAsync(() => Task.FromResult(fixture.Journal().Depth), depth => depth == 0, seconds: 30);
        Assert.Equal(0, fixture.Journal().Depth);
    }
}
