using Hotline.Resilience;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Resilience;

// Base for tests that take the database away from the app (Fixture.DatabaseProxy): its journal of the webhooks it
// answered without the database, and the wait for their replay once the database is back.
public abstract class OutageTest(HotlineFixture fixture) : HotlineTest(fixture)
{
    protected WebhookJournal Journal => Fixture.Factory.Services.GetRequiredService<WebhookJournal>();

    protected async Task ReplayUntilEmptyAsync()
    {
        Fixture.DatabaseProxy.Restore();
        // The background replayer runs every second; waiting for it is the real thing.
        await Eventually.WaitForAsync(() => Task.FromResult(Journal.Depth), depth => depth == 0, seconds: 30);
        Assert.Equal(0, Journal.Depth);
    }
}
