using Hotline.Resilience;
using Hotline.Tests.Support;

namespace Hotline.Tests.Resilience;

// Base for tests that take the database away from the app (Fixture.DatabaseProxy): its journal of the webhooks it
// answered without the database, and the wait for their replay once the database is back.
public abstract class OutageTest(HotlineFixture fixture) : HotlineTest(fixture)
{
    protected WebhookJournal Journal => Fixture.Journal();

    protected Task ReplayUntilEmptyAsync() => Fixture.RestoreAndReplayAsync();
}
