using System.Text.RegularExpressions;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Recordings;

namespace Hotline.Sandbox.Rest;

// The subset of Twilio's REST API the hotline's gateway uses.
public static partial class RestEndpoints
{
    public static IEndpointRouteBuilder MapTwilioRest(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/2010-04-01/Accounts/{accountSid}");
        var api = account.MapGroup("").AddEndpointFilter(TwilioBasicAuth.Filter);
        api.MapPost("/Calls.json", CreateCall);
        api.MapGet("/Calls/{callSid}.json", FetchCall);
        api.MapPost("/Messages.json", CreateMessage);
        api.MapGet("/Messages/{messageSid}.json", FetchMessage);
        api.MapGet("/Recordings/{recordingSid}/Transcriptions.json", ReadTranscriptions);
        api.MapGet("/Queues.json", ReadQueues);
        api.MapPost("/Queues.json", CreateQueue);
        api.MapGet("/Queues/{queueSid}.json", FetchQueue);
        api.MapPost("/Queues/{queueSid}.json", UpdateQueue);

        // Twilio serves recording media without credentials unless an account enforces them.
        account.MapGet("/Recordings/{recording}", GetRecording);
        return app;
    }

    // Records every REST request with its form and the status it got, including refusals.
    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments("/2010-04-01"))
        {
            await next(context);
            return;
        }

        var at = DateTimeOffset.UtcNow;
        var form = context.Request.HasFormContentType
            ? (await context.Request.ReadFormAsync(context.RequestAborted)).ToDictionary(p => p.Key, p => p.Value.Select(v => v ?? "").ToArray())
            : [];
        await next(context);
        var sandbox = context.RequestServices.GetRequiredService<TwilioSandbox>();
        sandbox.Requests.Add(new RecordedRequest(at, context.Request.Method, context.Request.Path + context.Request.QueryString, form, context.Response.StatusCode));
    });

    private static async Task<IResult> CreateCall(string accountSid, HttpRequest request, TwilioSandbox sandbox)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var to = Value(form, "To");
        var from = Value(form, "From");
        var url = Value(form, "Url");
        var twiml = Value(form, "Twiml");
        var statusCallback = Value(form, "StatusCallback");

        if (to is null) return TwilioError.Result(400, 21201, "No 'To' number is specified");
        if (from is null) return TwilioError.Result(400, 21213, "No 'From' number is specified");
        if (!IsPhoneNumber(to)) return TwilioError.Result(400, 21211, $"The 'To' number {to} is not a valid phone number.");
        if (!IsPhoneNumber(from)) return TwilioError.Result(400, 21212, $"The 'From' number {from} is not a valid phone number.");
        if (url is null && twiml is null) return TwilioError.Result(400, 21205, "Url parameter is required.");
        if (url is not null && AbsoluteUrl(url) is null) return TwilioError.Result(400, 21205, $"Url is not a valid URL: {url}");
        if (statusCallback is not null && AbsoluteUrl(statusCallback) is null)
        {
            return TwilioError.Result(400, 21609, $"Invalid StatusCallback url: {statusCallback}");
        }

        if (sandbox.Phones.TakeRestFailure(to) is { } failure) return TwilioError.From(failure);

        var events = form["StatusCallbackEvent"]
            .SelectMany(v => (v ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
            .Select(e => e.ToLowerInvariant())
            .ToList();
        var call = sandbox.OutboundCalls.Start(
            new OutboundCallRequest(
                to, from, url is null ? null : AbsoluteUrl(url), twiml, Method(Value(form, "Method")),
                statusCallback is null ? null : AbsoluteUrl(statusCallback), Method(Value(form, "StatusCallbackMethod")), events,
                Value(form, "MachineDetection"), int.TryParse(Value(form, "Timeout"), out var timeout) && timeout > 0 ? timeout : 60),
            sandbox.ShutdownToken);
        return Results.Json(RestJson.Call(call, accountSid), RestJson.Options, statusCode: 201);
    }

    private static IResult FetchCall(string accountSid, string callSid, TwilioSandbox sandbox, HttpRequest request) =>
        sandbox.Calls.Find(callSid) is { } call
            ? Results.Json(RestJson.Call(call, accountSid), RestJson.Options)
            : TwilioError.NotFound(request.Path);

    private static async Task<IResult> CreateMessage(string accountSid, HttpRequest request, TwilioSandbox sandbox)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var to = Value(form, "To");
        var from = Value(form, "From") ?? (Value(form, "MessagingServiceSid") is not null ? sandbox.Options.HotlineNumber : null);
        var body = Value(form, "Body");
        var statusCallback = Value(form, "StatusCallback");

        if (to is null) return TwilioError.Result(400, 21604, "A 'To' phone number is required.");
        if (from is null) return TwilioError.Result(400, 21603, "A 'From' phone number is required.");
        if (!IsPhoneNumber(to)) return TwilioError.Result(400, 21211, $"Invalid 'To' Phone Number: {to}");
        if (body is null) return TwilioError.Result(400, 21602, "Message body is required.");
        if (body.Length > 1600) return TwilioError.Result(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
        if (statusCallback is not null && AbsoluteUrl(statusCallback) is null)
        {
            return TwilioError.Result(400, 21609, $"Invalid StatusCallback url: {statusCallback}");
        }

        if (sandbox.Phones.TakeRestFailure(to) is { } failure) return TwilioError.From(failure);

        var message = sandbox.OutboundSms.Start(from, to, body, statusCallback is null ? null : AbsoluteUrl(statusCallback), sandbox.ShutdownToken);
        return Results.Json(RestJson.Message(message, accountSid), RestJson.Options, statusCode: 201);
    }

    private static IResult FetchMessage(string accountSid, string messageSid, TwilioSandbox sandbox, HttpRequest request) =>
        sandbox.Messages.Find(messageSid) is { } message
            ? Results.Json(RestJson.Message(message, accountSid), RestJson.Options)
            : TwilioError.NotFound(request.Path);

    // One page holds them all: a recording has at most one transcription here.
    private static IResult ReadTranscriptions(string accountSid, string recordingSid, TwilioSandbox sandbox, HttpRequest request)
    {
        if (sandbox.Recordings.Find(recordingSid) is null)
        {
            return TwilioError.NotFound(request.Path);
        }

        var list = sandbox.Recordings.TranscriptionsOf(recordingSid).Select(t => RestJson.Transcription(t, accountSid)).ToList();
        var uri = $"/2010-04-01/Accounts/{accountSid}/Recordings/{recordingSid}/Transcriptions.json";
        return Results.Json(new RestJson.TranscriptionPage(list, 0, Math.Max(0, list.Count - 1), $"{uri}?PageSize=50&Page=0", null, 0, 50, null, uri),
            RestJson.Options);
    }

    // RE... (WAV), RE....wav, RE....mp3 (the same WAV: the sandbox does not encode MP3), RE....json (metadata).
    private static IResult GetRecording(string accountSid, string recording, TwilioSandbox sandbox, HttpRequest request)
    {
        var extension = Path.GetExtension(recording).ToLowerInvariant();
        var sid = extension is ".wav" or ".mp3" or ".json" ? recording[..^extension.Length] : recording;
        if (accountSid != sandbox.Options.AccountSid || sandbox.Recordings.Find(sid) is not { } found)
        {
            return TwilioError.NotFound(request.Path);
        }

        return extension == ".json"
            ? Results.Json(RestJson.Recording(found, accountSid, sandbox.RecordingUrl(sid)), RestJson.Options)
            : Results.File(WavTone.Generate(), "audio/x-wav", $"{sid}.wav");
    }

    private static string? Value(IFormCollection form, string key) =>
        form.TryGetValue(key, out var values) && values.FirstOrDefault() is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static string Method(string? method) => string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase) ? "GET" : "POST";

    private static Uri? AbsoluteUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;

    public static bool IsPhoneNumber(string number) => E164().IsMatch(number);

    [GeneratedRegex(@"^\+[1-9]\d{6,14}$")]
    private static partial Regex E164();
}
