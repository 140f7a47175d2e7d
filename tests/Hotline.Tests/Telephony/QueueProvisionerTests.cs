extern alias sandbox;
using System.Collections.Concurrent;
using Dapper;
using System.Net;
using System.Net.Sockets;
using Hotline.Calls;
using Hotline.Telephony;
using Hotline.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using sandbox::Hotline.Sandbox.Queues;

namespace Hotline.Tests.Telephony;

// Twilio's queues hold 100 callers unless told otherwise; the app makes its two queues hold Ivr:QueueMaxSize, so that a
// busy hour does not send the 101st caller to voicemail.
public sealed class QueueProvisionerTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    CallQueues SandboxQueues => Fixture.Sandbox.Sandbox.Queues;

    QueueProvisioner Provisioner => Fixture.Factory.Services.GetServices<IHostedService>().OfType<QueueProvisioner>().Single();

    [Fact]
    public async Task An_instance_starting_up_gives_both_queues_the_configured_size()
    {
        await WithAnotherInstanceAsync(("Ivr:QueueMaxSize", "2500"), async _ =>
        {
            var queues = await Eventually.WaitForAsync(
                () => Task.FromResult(SandboxQueues.All(HotlineFixture.AccountSid).Select(q => (q.Name, q.MaxSize)).ToList()),
                found => found.Count == 2 && found.All(q => q.MaxSize == 2500));
            Assert.Equal([CallRouting.GeneralQueue, CallRouting.UrgentQueue], queues.Select(q => q.Name).Order());
        });
    }

    [Fact]
    public async Task An_instance_whose_twilio_never_answers_starts_and_is_ready_all_the_same()
    {
        // Twilio accepts the connection and says nothing: the queue list hangs for as long as the HTTP client waits.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new ConcurrentQueue<Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                held.Enqueue(await silent.AcceptSocketAsync());
            }
        });

        await WithAnotherInstanceAsync(("Twilio:ApiBaseUrl", $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/"), async other =>
        {
            try
            {
                using var client = other.CreateClient();
                var ready = await client.GetAsync("/readyz");
                Assert.True(ready.IsSuccessStatusCode, $"/readyz answered {(int)ready.StatusCode}: {await ready.Content.ReadAsStringAsync()}");
                await Eventually.WaitForAsync(() => Task.FromResult(held.Count), count => count > 0);
                Assert.Empty(SandboxQueues.All(HotlineFixture.AccountSid));
            }
            finally
            {
                // Lets the hanging request fail, so that the instance stops at once and its pass lets go of the
                // provisioning turn, which the next test takes; also when an assertion above failed.
                silent.Stop();
                foreach (var socket in held)
                {
                    socket.Close();
                }
            }
        });
        await Assert.ThrowsAnyAsync<Exception>(() => accepting);
    }

    [Fact]
    public async Task A_pass_creates_a_missing_queue_and_resizes_one_that_enqueue_made_or_someone_changed()
    {
        // Twilio made "general" when a caller was first enqueued there: it holds 100.
        var general = SandboxQueues.Get(HotlineFixture.AccountSid, CallRouting.GeneralQueue);
        Assert.Equal(100, general.MaxSize);

        Assert.True(await Provisioner.EnsureAsync(CancellationToken.None));

        Assert.Equal(1000, general.MaxSize);
        var urgent = Assert.Single(SandboxQueues.All(HotlineFixture.AccountSid), q => q.Name == CallRouting.UrgentQueue);
        Assert.Equal(1000, urgent.MaxSize);

        // Someone lowers it in Twilio's console: the next pass puts it back, on the same queue.
        general.MaxSize = 50;
        Assert.True(await Provisioner.EnsureAsync(CancellationToken.None));
        Assert.Equal(1000, general.MaxSize);
        Assert.Equal(2, SandboxQueues.All(HotlineFixture.AccountSid).Count);
    }

    [Fact]
    public async Task A_pass_that_finds_the_sizes_right_changes_nothing()
    {
        Assert.True(await Provisioner.EnsureAsync(CancellationToken.None));
        Fixture.Sandbox.Sandbox.Requests.Reset();

        Assert.True(await Provisioner.EnsureAsync(CancellationToken.None));

        var request = Assert.Single(Fixture.Sandbox.Sandbox.Requests.All());
        Assert.Equal(("GET", 200), (request.Method, request.Status));
    }

    [Fact]
    public async Task A_pass_leaves_the_queues_to_an_instance_already_at_it_and_frees_its_turn_when_done()
    {
        await using (var other = await Db.OpenConnectionAsync())
        {
            Assert.True(await other.ExecuteScalarAsync<bool>($"SELECT pg_try_advisory_lock({QueueProvisioner.LockKey})"));
            Fixture.Sandbox.Sandbox.Requests.Reset();

            Assert.False(await Provisioner.EnsureAsync(CancellationToken.None));
            Assert.Empty(Fixture.Sandbox.Sandbox.Requests.All());
            await other.ExecuteAsync($"SELECT pg_advisory_unlock({QueueProvisioner.LockKey})");
        }

        Assert.True(await Provisioner.EnsureAsync(CancellationToken.None));

        // The turn is free again for the next instance.
        await using var next = await Db.OpenConnectionAsync();
        Assert.True(await next.ExecuteScalarAsync<bool>($"SELECT pg_try_advisory_lock({QueueProvisioner.LockKey})"));
        await next.ExecuteAsync($"SELECT pg_advisory_unlock({QueueProvisioner.LockKey})");
    }

    async Task WithAnotherInstanceAsync((string Key, string Value) setting, Func<WebApplicationFactory<Program>, Task> test)
    {
        await using var other = SecondInstance.Start(Fixture, setting);
        await test(other.Factory);
    }

    [Fact]
    public async Task A_caller_turned_away_from_a_full_queue_is_recorded_as_such_and_offered_voicemail()
    {
        await StaffLogin.AddStaffAsync(Fixture, "op", "operator", onDuty: true);
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "3");

        var answer = await caller.PostAsync("/twilio/voice/queue/done", ("QueueResult", "queue-full"), ("QueueTime", "0"));

        Assert.Contains("<Record", answer.Body);
        Assert.Equal("queue-full: the general queue was full",
            await ScalarAsync<string>("SELECT detail FROM call_events WHERE kind = 'queue_left'"));
        Assert.Equal("voicemail", await ScalarAsync<string>("SELECT stage FROM calls"));
    }
}
