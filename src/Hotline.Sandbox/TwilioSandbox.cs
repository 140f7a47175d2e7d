using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Messages;
using Hotline.Sandbox.Phones;
using Hotline.Sandbox.Queues;
using Hotline.Sandbox.Recordings;
using Hotline.Sandbox.Rest;
using Hotline.Sandbox.Twiml;
using Hotline.Sandbox.Webhooks;

namespace Hotline.Sandbox;

// The sandbox's state and engines, independent of hosting: the REST endpoints, the CLI and in-process tests
// all work through one instance, so that inbound callers and outbound operator legs share queues and phones.
public sealed class TwilioSandbox : IDisposable
{
    private readonly CancellationTokenSource shutdown = new();
    private readonly Lock gate = new();
    private readonly List<HttpClient> appClients = [];

    // appHandler: how to reach the app (a WebApplicationFactory's Server.CreateHandler(), or null for real HTTP).
    public TwilioSandbox(SandboxOptions options, HttpMessageHandler? appHandler = null)
    {
        Options = options;
        Clock = new SandboxClock(options.Speed);
        Queues = new CallQueues(Clock);
        App = new AppClient(NewAppClient(appHandler), options);
        Interpreter = new TwimlInterpreter(this);
        Residents = new ResidentSimulator(this);
        OutboundCalls = new OutboundCallRunner(this);
        OutboundSms = new OutboundSmsRunner(this);
    }

    public SandboxOptions Options { get; }
    public SandboxClock Clock { get; }
    public PhoneBook Phones { get; } = new();
    public RequestLog Requests { get; } = new();
    public CallQueues Queues { get; }
    public RecordingStore Recordings { get; } = new();
    public CallRegistry Calls { get; } = new();
    public MessageRegistry Messages { get; } = new();
    public ResidentSimulator Residents { get; }

    // The sandbox's own address, for RecordingUrl; set by the host once it listens.
    public Uri BaseAddress { get; set; } = new("http://127.0.0.1:5090/");

    internal AppClient App { get; }
    internal TwimlInterpreter Interpreter { get; }
    internal OutboundCallRunner OutboundCalls { get; }
    internal OutboundSmsRunner OutboundSms { get; }
    internal CancellationToken ShutdownToken => shutdown.Token;

    // Points the sandbox at the app after the fact: a test can start the sandbox, give its BaseAddress to a
    // WebApplicationFactory as Twilio:ApiBaseUrl, then connect the factory's Server.CreateHandler() here.
    public void ConnectApp(HttpMessageHandler? handler, string? appBaseUrl = null)
    {
        if (appBaseUrl is not null)
        {
            Options.AppBaseUrl = appBaseUrl;
        }

        App.Use(NewAppClient(handler));
    }

    public string RecordingUrl(string recordingSid) =>
        $"{BaseAddress.AbsoluteUri.TrimEnd('/')}/2010-04-01/Accounts/{Options.AccountSid}/Recordings/{recordingSid}";

    // How many requests to the app have had their answer (or failed): unchanged over a stretch, the sandbox wrote
    // nothing into the app in it.
    public long AppRequestsAnswered => App.Answered;

    // Everything the sandbox started (outbound calls, SMS deliveries, inbound calls) has finished.
    public Task WaitForIdleAsync(CancellationToken ct = default) =>
        Task.WhenAll(Calls.WaitForAllAsync(ct), Messages.WaitForAllAsync(ct));

    // Forgets what happened (phones, requests, calls, recordings); calls still in progress play on.
    public void Reset()
    {
        Phones.Reset();
        Requests.Reset();
        Queues.Reset();
        Recordings.Reset();
        Calls.Reset();
        Messages.Reset();
    }

    public void Dispose()
    {
        shutdown.Cancel();
        shutdown.Dispose();
        lock (gate)
        {
            appClients.ForEach(c => c.Dispose());
        }
    }

    // Old clients stay alive until disposal: a call in flight may still be using one.
    private HttpClient NewAppClient(HttpMessageHandler? handler)
    {
        var client = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
            : new HttpClient(handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan;
        lock (gate)
        {
            appClients.Add(client);
        }

        return client;
    }
}
