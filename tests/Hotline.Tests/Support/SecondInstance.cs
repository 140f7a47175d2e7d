using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotline.Tests.Support;

// A second app host on the fixture's database and sandbox, as another instance behind a load balancer would start:
//   await using var other = SecondInstance.Start(Fixture, ("Ivr:QueueMaxSize", "2500"));
// It runs no Hangfire server (Hangfire keeps static state: one job server per test run); the fixture's server runs
// whatever it enqueues, as the other instance's server would. Disposing it puts Hangfire's statics back, which its
// AddHangfire pointed at its own services (its log provider among them: once that is disposed, job creation on the
// fixture's host fails).
public sealed class SecondInstance : IAsyncDisposable
{
    readonly HotlineFixture fixture;
    readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "hotline-test-b-" + Guid.NewGuid().ToString("N")[..8]);
    readonly JobStorage storage = JobStorage.Current;
    readonly JobActivator activator = JobActivator.Current;

    SecondInstance(HotlineFixture fixture, (string Key, string Value)[] settings)
    {
        this.fixture = fixture;
        Factory = fixture.Factory.WithWebHostBuilder(host =>
        {
            host.UseSetting("Hotline:DataDirectory", dataDirectory);
            host.UseSetting("Jobs:RunServer", "false");
            foreach (var (key, value) in settings)
            {
                host.UseSetting(key, value);
            }
        });
    }

    public WebApplicationFactory<Program> Factory { get; }

    // Started here, so a host that fails to start fails the test that asked for it, and is still cleaned up.
    public static SecondInstance Start(HotlineFixture fixture, params (string Key, string Value)[] settings)
    {
        var instance = new SecondInstance(fixture, settings);
        try
        {
            _ = instance.Factory.Server;
            return instance;
        }
        catch
        {
            instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        JobStorage.Current = storage;
        JobActivator.Current = activator;
        LogProvider.SetCurrentLogProvider(new AspNetCoreLogProvider(fixture.Factory.Services.GetRequiredService<ILoggerFactory>()));
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
