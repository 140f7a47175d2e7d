using Hotline.Sandbox.Calls;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;

namespace Hotline.Sandbox.Tests.Rest;

// Twilio's Queues REST resource through the real SDK, and the size it sets being the one <Enqueue> keeps.
public sealed class QueueApiTests : IAsyncLifetime
{
    private SandboxHarness h = null!;

    public async Task InitializeAsync() => h = await SandboxHarness.StartAsync();

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Sdk_creates_lists_fetches_and_resizes_queues()
    {
        var urgent = await QueueResource.CreateAsync(friendlyName: "urgent", maxSize: 1200, client: h.Twilio);
        var general = await QueueResource.CreateAsync(friendlyName: "general", client: h.Twilio);

        Assert.Matches("^QU[0-9a-f]{32}$", urgent.Sid);
        Assert.Equal(("urgent", 1200, 0), (urgent.FriendlyName, urgent.MaxSize, urgent.CurrentSize));
        Assert.Equal(TwimlApp.AccountSid, urgent.AccountSid);
        Assert.NotNull(urgent.DateCreated);
        Assert.EndsWith($"/Queues/{urgent.Sid}.json", urgent.Uri);
        // Twilio's default for a queue created through the API.
        Assert.Equal(1000, general.MaxSize);

        var listed = (await QueueResource.ReadAsync(client: h.Twilio)).ToList();
        Assert.Equal([("urgent", 1200), ("general", 1000)], listed.Select(q => (q.FriendlyName, q.MaxSize ?? 0)));

        var resized = await QueueResource.UpdateAsync(pathSid: general.Sid, maxSize: 5000, client: h.Twilio);
        Assert.Equal(5000, resized.MaxSize);
        Assert.Equal(5000, (await QueueResource.FetchAsync(pathSid: general.Sid, client: h.Twilio)).MaxSize);
        Assert.Equal(5000, h.Server.Sandbox.Queues.Get(TwimlApp.AccountSid, "general").MaxSize);
    }

    [Fact]
    public async Task Sizes_outside_1_to_5000_unknown_queues_and_a_second_queue_of_one_name_are_refused()
    {
        var queue = await QueueResource.CreateAsync(friendlyName: "general", client: h.Twilio);

        var tooBig = await Assert.ThrowsAsync<ApiException>(() => QueueResource.UpdateAsync(pathSid: queue.Sid, maxSize: 5001, client: h.Twilio));
        Assert.Equal(400, tooBig.Status);
        await Assert.ThrowsAsync<ApiException>(() => QueueResource.CreateAsync(friendlyName: "other", maxSize: 0, client: h.Twilio));
        Assert.Equal(400, (await Assert.ThrowsAsync<ApiException>(() => QueueResource.CreateAsync(friendlyName: "general", client: h.Twilio))).Status);
        var unknown = await Assert.ThrowsAsync<ApiException>(() => QueueResource.UpdateAsync(pathSid: "QU" + new string('0', 32), maxSize: 10, client: h.Twilio));
        Assert.Equal(404, unknown.Status);
        Assert.Equal(1000, Assert.Single(await QueueResource.ReadAsync(client: h.Twilio)).MaxSize);
    }

    [Fact]
    public async Task A_queue_that_enqueue_created_holds_100_and_is_listed_for_resizing()
    {
        h.App.Map("/twilio/voice/incoming", """<Response><Enqueue action="/after-queue">general</Enqueue></Response>""");
        h.App.Map("/after-queue", "<Response/>");

        // Listed while the caller waits (simulated time runs 200 times faster: ten minutes are three seconds).
        var call = h.Server.Residents.CallAsync(new CallerScript { HangupAfterSeconds = 600 }, SandboxHarness.Timeout());
        List<QueueResource> listed;
        while ((listed = (await QueueResource.ReadAsync(client: h.Twilio)).ToList()).Count == 0)
        {
            await Task.Delay(10, SandboxHarness.Timeout());
        }

        await call;
        var queue = Assert.Single(listed);
        Assert.Equal(("general", 100), (queue.FriendlyName, queue.MaxSize ?? 0));
        Assert.Equal(2000, (await QueueResource.UpdateAsync(pathSid: queue.Sid, maxSize: 2000, client: h.Twilio)).MaxSize);
    }

    [Fact]
    public async Task Enqueue_beyond_the_size_set_through_the_api_gets_queue_full_and_within_it_waits()
    {
        await QueueResource.CreateAsync(friendlyName: "general", maxSize: 2, client: h.Twilio);
        h.App.Map("/twilio/voice/incoming", """<Response><Enqueue waitUrl="/wait" action="/after-queue">general</Enqueue></Response>""");
        h.App.Map("/wait", "<Response><Pause length=\"10\"/></Response>");
        h.App.Map("/after-queue", f => $"<Response><Say>{f["QueueResult"]}</Say></Response>");
        var queue = h.Server.Sandbox.Queues.Get(TwimlApp.AccountSid, "general");

        var waiting = new[] { "+8613800000011", "+8613800000012" }
            .Select(from => h.Server.Residents.CallAsync(new CallerScript { From = from, HangupAfterSeconds = 600 }, SandboxHarness.Timeout()))
            .ToList();
        while (queue.Size < 2)
        {
            await Task.Delay(10, SandboxHarness.Timeout());
        }

        var turnedAway = await h.Server.Residents.CallAsync(new CallerScript { From = "+8613800000013", HangupAfterSeconds = 600 }, SandboxHarness.Timeout());
        var waited = await Task.WhenAll(waiting);

        Assert.Equal(["queue-full"], turnedAway.Said);
        Assert.All(waited, call => Assert.Equal("hangup", h.App.HitsTo("/after-queue").Single(x => x["CallSid"] == call.CallSid)["QueueResult"]));
        Assert.All(h.App.HitsTo("/wait"), wait => Assert.Equal("2", wait["MaxQueueSize"]));
    }
}
