using System.Text.Json;
using System.Text.Json.Serialization;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Phones;
using Hotline.Sandbox.Rest;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hotline.Sandbox;

// The sandbox hosted on Kestrel, for `serve` and for tests that run it in-process:
//   await using var server = await SandboxServer.StartAsync(options, appHandler);
//   var twilio = new TwilioRestClient(sid, token, httpClient: new SystemNetHttpClient(server.CreateTwilioHttpClient()));
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private SandboxServer(WebApplication app, TwilioSandbox sandbox, Uri baseAddress)
    {
        this.app = app;
        Sandbox = sandbox;
        BaseAddress = baseAddress;
    }

    public TwilioSandbox Sandbox { get; }
    public Uri BaseAddress { get; }
    public PhoneBook Phones => Sandbox.Phones;
    public RequestLog Requests => Sandbox.Requests;
    public CallRegistry Calls => Sandbox.Calls;
    public ResidentSimulator Residents => Sandbox.Residents;

    // urls "http://127.0.0.1:0" picks a free loopback port. appHandler reaches the app (e.g. a WebApplicationFactory's
    // Server.CreateHandler()); null means plain HTTP to options.AppBaseUrl and whatever absolute URLs the app gives.
    public static async Task<SandboxServer> StartAsync(
        SandboxOptions options, HttpMessageHandler? appHandler = null, string urls = "http://127.0.0.1:0", CancellationToken ct = default)
    {
        var sandbox = new TwilioSandbox(options, appHandler);
        var app = Build(sandbox, urls);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseAddress = new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1").TrimEnd('/') + "/");
        sandbox.BaseAddress = baseAddress;
        return new SandboxServer(app, sandbox, baseAddress);
    }

    // See TwilioSandbox.ConnectApp: for an app (e.g. a WebApplicationFactory) that needs this sandbox's address first.
    public void ConnectApp(HttpMessageHandler? handler, string? appBaseUrl = null) => Sandbox.ConnectApp(handler, appBaseUrl);

    // For the Twilio SDK: an HttpClient whose requests to api.twilio.com land on this sandbox.
    public HttpClient CreateTwilioHttpClient() =>
        new(new TwilioApiRedirectHandler(BaseAddress) { InnerHandler = new SocketsHttpHandler() });

    public Task WaitForShutdownAsync(CancellationToken ct = default) => app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        Sandbox.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static WebApplication Build(TwilioSandbox sandbox, string urls)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SandboxServer).Assembly.GetName().Name,
            Args = [],
        });
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(sandbox);
        builder.Services.ConfigureHttpJsonOptions(o =>
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower)));

        var app = builder.Build();
        app.UseRequestLog();
        app.MapTwilioRest();
        app.MapSandboxInspection();
        app.MapSimulation();
        return app;
    }
}
