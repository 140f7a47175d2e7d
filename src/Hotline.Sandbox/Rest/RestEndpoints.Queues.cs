using System.Globalization;
using Hotline.Sandbox.Queues;

namespace Hotline.Sandbox.Rest;

// Twilio's Queues resource: the hotline creates its queues with the size it needs, or resizes ones <Enqueue> created.
public static partial class RestEndpoints
{
    private static async Task<IResult> CreateQueue(string accountSid, HttpRequest request, TwilioSandbox sandbox)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var name = Value(form, "FriendlyName");
        if (name is null) return TwilioError.Result(400, 20001, "Missing required parameter FriendlyName in the post body");
        if (name.Length > 64) return TwilioError.Result(400, 20001, "FriendlyName must be at most 64 characters long");
        if (!TryMaxSize(form, out var maxSize, out var refusal)) return refusal;

        // The sandbox's answer to a second queue of one name (Twilio's own is not documented): TwiML finds queues by
        // name, so two of one name could not both be reached.
        return sandbox.Queues.Create(accountSid, name, maxSize ?? CallQueues.DefaultMaxSize) is { } queue
            ? Results.Json(RestJson.Queue(queue, accountSid), RestJson.Options, statusCode: 201)
            : TwilioError.Result(400, 20001, $"A queue named {name} already exists");
    }

    // One page holds them all: an account has a handful of queues.
    private static IResult ReadQueues(string accountSid, TwilioSandbox sandbox)
    {
        var list = sandbox.Queues.All(accountSid).Select(q => RestJson.Queue(q, accountSid)).ToList();
        var uri = $"/2010-04-01/Accounts/{accountSid}/Queues.json";
        return Results.Json(new RestJson.QueuePage(list, 0, Math.Max(0, list.Count - 1), $"{uri}?PageSize=50&Page=0", null, 0, 50, null, uri),
            RestJson.Options);
    }

    private static IResult FetchQueue(string accountSid, string queueSid, TwilioSandbox sandbox, HttpRequest request) =>
        sandbox.Queues.Find(accountSid, queueSid) is { } queue
            ? Results.Json(RestJson.Queue(queue, accountSid), RestJson.Options)
            : TwilioError.NotFound(request.Path);

    private static async Task<IResult> UpdateQueue(string accountSid, string queueSid, HttpRequest request, TwilioSandbox sandbox)
    {
        if (sandbox.Queues.Find(accountSid, queueSid) is not { } queue)
        {
            return TwilioError.NotFound(request.Path);
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        if (Value(form, "FriendlyName") is { } name && name != queue.Name)
        {
            return TwilioError.Result(400, 20001, "The sandbox does not rename queues");
        }

        if (!TryMaxSize(form, out var maxSize, out var refusal)) return refusal;
        if (maxSize is { } size)
        {
            queue.MaxSize = size;
        }

        return Results.Json(RestJson.Queue(queue, accountSid), RestJson.Options);
    }

    private static bool TryMaxSize(IFormCollection form, out int? maxSize, out IResult refusal)
    {
        maxSize = null;
        refusal = Results.Empty;
        if (Value(form, "MaxSize") is not { } raw)
        {
            return true;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= CallQueues.LargestMaxSize)
        {
            maxSize = size;
            return true;
        }

        refusal = TwilioError.Result(400, 20001, $"MaxSize must be between 1 and {CallQueues.LargestMaxSize}, not {raw}");
        return false;
    }
}
