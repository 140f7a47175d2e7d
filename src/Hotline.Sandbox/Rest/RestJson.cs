using System.Text.Encodings.Web;
using System.Text.Json;
using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Messages;

namespace Hotline.Sandbox.Rest;

// Twilio's 2010-04-01 resource shapes (snake_case, RFC 1123 dates, nulls present), as the SDK parses them.
internal static class RestJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,

        // Twilio writes "+8613800000001", not "\u002B8613800000001".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record CallJson(
        string Sid, string AccountSid, string To, string ToFormatted, string From, string FromFormatted,
        string Status, string Direction, string ApiVersion, string DateCreated, string DateUpdated,
        string? StartTime, string? EndTime, string? Duration, string? Price, string PriceUnit, string? AnsweredBy,
        string? ParentCallSid, string? PhoneNumberSid, string? CallerName, string? ForwardedFrom, string? GroupSid,
        string? TrunkSid, string? Annotation, string QueueTime, string Uri, Dictionary<string, string> SubresourceUris);

    public sealed record MessageJson(
        string Sid, string AccountSid, string To, string From, string Body, string Status, string Direction,
        string ApiVersion, string DateCreated, string DateUpdated, string? DateSent, int? ErrorCode, string? ErrorMessage,
        string NumMedia, string NumSegments, string? Price, string PriceUnit, string? MessagingServiceSid, string Uri,
        Dictionary<string, string> SubresourceUris);

    public sealed record RecordingJson(
        string Sid, string AccountSid, string CallSid, string Duration, string Status, string Source, int Channels,
        string DateCreated, string DateUpdated, string ApiVersion, string MediaUrl, string Uri);

    public sealed record TranscriptionJson(
        string Sid, string AccountSid, string ApiVersion, string DateCreated, string DateUpdated, string Duration, string? Price,
        string PriceUnit, string RecordingSid, string Status, string TranscriptionText, string Type, string Uri);

    public sealed record TranscriptionPage(
        IReadOnlyList<TranscriptionJson> Transcriptions, int Start, int End, string FirstPageUri, string? NextPageUri, int Page,
        int PageSize, string? PreviousPageUri, string Uri);

    public sealed record QueueJson(
        string Sid, string AccountSid, string FriendlyName, int MaxSize, int CurrentSize, int AverageWaitTime,
        string DateCreated, string DateUpdated, string Uri, Dictionary<string, string> SubresourceUris);

    public sealed record QueuePage(
        IReadOnlyList<QueueJson> Queues, int Start, int End, string FirstPageUri, string? NextPageUri, int Page,
        int PageSize, string? PreviousPageUri, string Uri);

    public static QueueJson Queue(Queues.CallQueue queue, string accountSid)
    {
        var uri = $"/2010-04-01/Accounts/{accountSid}/Queues/{queue.Sid}";
        return new QueueJson(
            queue.Sid, accountSid, queue.Name, queue.MaxSize, queue.Size, (int)queue.AverageWait.TotalSeconds,
            CallStatusReporter.Rfc1123(queue.CreatedAt), CallStatusReporter.Rfc1123(queue.UpdatedAt), uri + ".json",
            new() { ["members"] = uri + "/Members.json" });
    }

    public static TranscriptionJson Transcription(Recordings.Transcription t, string accountSid)
    {
        var created = CallStatusReporter.Rfc1123(t.CreatedAt);
        return new TranscriptionJson(
            t.Sid, accountSid, "2008-08-01", created, created, t.DurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            null, "USD", t.RecordingSid, t.Status, t.Text, "fast", $"/2010-04-01/Accounts/{accountSid}/Transcriptions/{t.Sid}.json");
    }

    public static CallJson Call(TrackedCall call, string accountSid)
    {
        var created = CallStatusReporter.Rfc1123(call.CreatedAt);
        var uri = $"/2010-04-01/Accounts/{accountSid}/Calls/{call.Sid}";
        var final = call.Transcript;
        return new CallJson(
            call.Sid, accountSid, call.To, call.To, call.From, call.From, call.Status, call.Direction, "2010-04-01",
            created, CallStatusReporter.Rfc1123(DateTimeOffset.UtcNow), null, null,
            final?.DurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), null, "USD", null,
            null, null, null, null, null, null, null, "0", uri + ".json",
            new()
            {
                ["notifications"] = uri + "/Notifications.json",
                ["recordings"] = uri + "/Recordings.json",
                ["payments"] = uri + "/Payments.json",
                ["events"] = uri + "/Events.json",
            });
    }

    public static MessageJson Message(TrackedMessage message, string accountSid)
    {
        var uri = $"/2010-04-01/Accounts/{accountSid}/Messages/{message.Sid}";
        var created = CallStatusReporter.Rfc1123(message.CreatedAt);
        return new MessageJson(
            message.Sid, accountSid, message.To, message.From, message.Body, message.Status, "outbound-api", "2010-04-01",
            created, created, null, null, null, "0", "1", null, "USD", null, uri + ".json",
            new() { ["media"] = uri + "/Media.json", ["feedback"] = uri + "/Feedback.json" });
    }

    public static RecordingJson Recording(Recordings.Recording recording, string accountSid, string mediaUrl)
    {
        var created = CallStatusReporter.Rfc1123(recording.CreatedAt);
        return new RecordingJson(
            recording.Sid, accountSid, recording.CallSid,
            recording.DurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "completed", "RecordVerb", 1,
            created, created, "2010-04-01", mediaUrl, $"/2010-04-01/Accounts/{accountSid}/Recordings/{recording.Sid}.json");
    }
}
