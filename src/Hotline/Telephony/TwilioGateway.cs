using System.Net;
using System.Net.Http.Headers;
using System.Threading.RateLimiting;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Hotline.Telephony;

// The only door to Twilio. Real Twilio and the sandbox are the same code with another base address.
public sealed class TwilioGateway : IDisposable
{
    public const string HttpClientName = "twilio";
    static readonly string[] CallEvents = ["initiated", "ringing", "answered", "completed"];
    static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(2)];

    readonly TwilioOptions options;
    readonly System.Net.Http.HttpClient http;
    readonly TwilioRestClient client;
    readonly TokenBucketRateLimiter callRate;
    readonly ILogger<TwilioGateway> logger;

    public TwilioGateway(IOptions<TwilioOptions> options, IHttpClientFactory httpClients, ILogger<TwilioGateway> logger)
    {
        this.options = options.Value;
        this.logger = logger;
        http = httpClients.CreateClient(HttpClientName);
        client = new TwilioRestClient(this.options.AccountSid, this.options.AuthToken, httpClient: new SystemNetHttpClient(http));
        // Twilio accepts 1 new call per second per account by default; we pace ourselves instead of being refused.
        var perSecond = Math.Max(1, (int)Math.Round(this.options.CallsPerSecond));
        callRate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(perSecond / this.options.CallsPerSecond),
            QueueLimit = 10_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public async Task<SentCall> PlaceCallAsync(string to, Uri twimlUrl, Uri statusCallback, CancellationToken ct, string? machineDetection = null)
    {
        using var lease = await callRate.AcquireAsync(1, ct);
        var call = await WithRetriesAsync("call", $"to {Phones.Mask(to)}", () => CallResource.CreateAsync(
            to: new PhoneNumber(to),
            from: new PhoneNumber(options.PhoneNumber),
            url: twimlUrl,
            method: Twilio.Http.HttpMethod.Post,
            statusCallback: statusCallback,
            statusCallbackMethod: Twilio.Http.HttpMethod.Post,
            statusCallbackEvent: [.. CallEvents],
            machineDetection: machineDetection,
            client: client), ct);
        return new SentCall(call.Sid, call.Status?.ToString() ?? "queued");
    }

    public async Task<SentMessage> SendSmsAsync(string to, string body, Uri statusCallback, CancellationToken ct)
    {
        var message = await WithRetriesAsync("sms", $"to {Phones.Mask(to)}", () => MessageResource.CreateAsync(
            to: new PhoneNumber(to),
            from: new PhoneNumber(options.PhoneNumber),
            body: body,
            statusCallback: statusCallback,
            client: client), ct);
        return new SentMessage(message.Sid, message.Status?.ToString() ?? "queued");
    }

    // A call as Twilio has it now (the reconciliation sweep's source for a status callback that never came); null when
    // Twilio does not know the CallSid.
    public Task<CallResource?> FetchCallAsync(string callSid, CancellationToken ct) =>
        WithRetriesAsync("call fetch", callSid, async () =>
        {
            try
            {
                return await CallResource.FetchAsync(pathSid: callSid, client: client);
            }
            catch (ApiException e) when (e.Status == (int)HttpStatusCode.NotFound)
            {
                return null;
            }
        }, ct);

    // The transcriptions Twilio made of a recording (the sweep's source for a transcription callback that never came);
    // null when Twilio does not know the recording.
    public Task<IReadOnlyList<Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource>?> FetchTranscriptionsAsync(string recordingSid, CancellationToken ct) =>
        WithRetriesAsync("transcription fetch", $"of {recordingSid}", async () =>
        {
            try
            {
                var found = await Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource.ReadAsync(pathRecordingSid: recordingSid, client: client);
                return (IReadOnlyList<Twilio.Rest.Api.V2010.Account.Recording.TranscriptionResource>?)found.ToList();
            }
            catch (ApiException e) when (e.Status == (int)HttpStatusCode.NotFound)
            {
                return null;
            }
        }, ct);

    // The account's call queues, by which Twilio means every queue an <Enqueue> ever named as well as those made here.
    public Task<IReadOnlyList<QueueResource>> ListQueuesAsync(CancellationToken ct) =>
        WithRetriesAsync("queue list", "of the account", async () =>
            (IReadOnlyList<QueueResource>)(await QueueResource.ReadAsync(client: client)).ToList(), ct);

    public Task<QueueResource> CreateQueueAsync(string name, int maxSize, CancellationToken ct) =>
        WithRetriesAsync("queue create", name, () => QueueResource.CreateAsync(friendlyName: name, maxSize: maxSize, client: client), ct);

    public Task<QueueResource> ResizeQueueAsync(string queueSid, int maxSize, CancellationToken ct) =>
        WithRetriesAsync("queue resize", $"{queueSid} to {maxSize}", () => QueueResource.UpdateAsync(pathSid: queueSid, maxSize: maxSize, client: client), ct);

    // The recording's audio, fetched with our credentials so that staff never need a public Twilio URL. The address is
    // built from the RecordingSid, never taken from a webhook, so it can only ever reach Twilio's recordings.
    public async Task<HttpResponseMessage> FetchRecordingAsync(string recordingSid, CancellationToken ct)
    {
        var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get,
            $"https://api.twilio.com/2010-04-01/Accounts/{Uri.EscapeDataString(options.AccountSid)}/Recordings/{Uri.EscapeDataString(recordingSid)}.mp3");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}")));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    // 429 and 5xx are Twilio telling us to come back later; anything else is a real refusal and surfaces at once.
    // target says what the request was about in the log ("to +86138****5678", a SID); phone numbers come masked.
    async Task<T> WithRetriesAsync<T>(string what, string target, Func<Task<T>> send, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await send();
            }
            catch (ApiException e) when (IsTransient(e.Status) && attempt < Backoff.Length)
            {
                logger.LogWarning("Twilio answered {Status} to a {What} {Target}; retrying in {Delay}", e.Status, what, target, Backoff[attempt]);
                await Task.Delay(Backoff[attempt], ct);
            }
            catch (ApiException e)
            {
                logger.LogError("Twilio refused a {What} {Target}: {Status} error {Code} {Message}", what, target, e.Status, e.Code, e.Message);
                throw new TelephonyException(e.Code, e.Message, IsTransient(e.Status));
            }
            catch (Exception e) when (e is ApiConnectionException or System.Net.Http.HttpRequestException)
            {
                logger.LogError("Could not reach Twilio for a {What} {Target}: {Message}", what, target, e.Message);
                throw new TelephonyException(null, e.Message, transient: true);
            }
        }
    }

    static bool IsTransient(int status) => status == (int)HttpStatusCode.TooManyRequests || status >= 500;

    public void Dispose() => callRate.Dispose();
}

public sealed record SentCall(string Sid, string Status);

public sealed record SentMessage(string Sid, string Status);

// A send that did not happen: Twilio's error code and message when it answered, and whether trying later may work.
public sealed class TelephonyException(int? code, string message, bool transient) : Exception(message)
{
    public int? Code { get; } = code;
    public bool Transient { get; } = transient;
}
