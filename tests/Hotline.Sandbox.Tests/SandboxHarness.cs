using Twilio.Clients;
using Twilio.Http;
using HttpClient = System.Net.Http.HttpClient;

namespace Hotline.Sandbox.Tests;

// A sandbox on a free loopback port, wired to an in-test TwiML app, plus a Twilio SDK client pointed at it.
public sealed class SandboxHarness : IAsyncDisposable
{
    private SandboxHarness(TwimlApp app, SandboxServer server, HttpClient http)
    {
        App = app;
        Server = server;
        Http = http;
        Twilio = new TwilioRestClient(TwimlApp.AccountSid, TwimlApp.AuthToken, httpClient: new SystemNetHttpClient(http));
    }

    public TwimlApp App { get; }
    public SandboxServer Server { get; }
    public HttpClient Http { get; }
    public TwilioRestClient Twilio { get; }

    public static async Task<SandboxHarness> StartAsync(double speed = 200)
    {
        var app = new TwimlApp();
        var server = await SandboxServer.StartAsync(TwimlApp.Options(speed), app.Handler);
        return new SandboxHarness(app, server, server.CreateTwilioHttpClient());
    }

    public static CancellationToken Timeout(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        await App.DisposeAsync();
    }
}
