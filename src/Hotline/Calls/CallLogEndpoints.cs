using System.Globalization;
using Hotline.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hotline.Calls;

public static class CallLogEndpoints
{
    const int DefaultPage = 50;
    const int MaxPage = 500;
    const int MaxExport = 100_000;
    static readonly string[] Outcomes = ["answered", "abandoned_in_ivr", "abandoned_in_queue", "voicemail", "callback_requested", "missed"];

    public static RouteGroupBuilder MapCallLog(this RouteGroupBuilder api)
    {
        api.MapGet("/calls", List);
        api.MapGet("/calls.csv", Export);
        api.MapGet("/calls/{callSid}", Detail);
        return api;
    }

    public sealed record CallLogItem(
        string CallSid, string Direction, string Phone, DateTime StartedAt, DateTime? EndedAt, string Status, string? Outcome,
        string? Queue, int? QueueSeconds, int? DurationSeconds, string? NeedReference, string? Category, string? Urgency, bool HasVoicemail);

    public sealed record CallLogPage(IReadOnlyList<CallLogItem> Calls, string? NextCursor);

    static async Task<Results<Ok<CallLogPage>, ProblemHttpResult>> List(
        HttpRequest request, CallLogStore store, Phones phones, TimeProvider clock, CancellationToken ct)
    {
        var (filter, error) = ReadFilter(request, phones, clock);
        if (filter is null)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var limit = int.TryParse(request.Query["limit"], out var asked) ? Math.Clamp(asked, 1, MaxPage) : DefaultPage;
        var rows = await store.PageAsync(filter, limit + 1, ct);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? new CallLogCursor(page[^1].StartedAt, page[^1].Id).Encode() : null;
        return TypedResults.Ok(new CallLogPage(page.Select(ToItem).ToList(), next));
    }

    static async Task Export(HttpContext http, CallLogStore store, Phones phones, TimeProvider clock, CancellationToken ct)
    {
        var (filter, error) = ReadFilter(http.Request, phones, clock);
        if (filter is null)
        {
            await TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"calls-{filter.Since:yyyyMMddHHmm}-{filter.Until:yyyyMMddHHmm}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, CsvLines.Encoding);
        await writer.WriteAsync(CsvLines.Line(typeof(CallLogItem).GetProperties().Select(p => p.Name)));
        await foreach (var row in store.StreamAsync(filter, MaxExport, ct))
        {
            var item = ToItem(row);
            await writer.WriteAsync(CsvLines.Line([
                item.CallSid, item.Direction, item.Phone, item.StartedAt, item.EndedAt, item.Status, item.Outcome, item.Queue,
                item.QueueSeconds, item.DurationSeconds, item.NeedReference, item.Category, item.Urgency, item.HasVoicemail]));
        }
    }

    static async Task<Results<Ok<CallDetail>, NotFound>> Detail(string callSid, CallLogStore store, CancellationToken ct) =>
        await store.DetailAsync(callSid, ct) is { } detail ? TypedResults.Ok(detail) : TypedResults.NotFound();

    static CallLogItem ToItem(CallLogRow r) => new(
        r.CallSid, r.Direction, Phones.Mask(r.Direction == "inbound" ? r.FromPhone : r.ToPhone), r.StartedAt, r.EndedAt, r.Status,
        r.Outcome, r.QueueName, r.QueueSeconds, r.DurationSeconds, r.NeedReference, r.Category, r.Urgency, r.HasVoicemail);

    // Default: the last 24 hours. Every filter is checked, so a typo is a 400 rather than an empty log.
    static (CallLogFilter? Filter, string Error) ReadFilter(HttpRequest request, Phones phones, TimeProvider clock)
    {
        var query = request.Query;
        var now = clock.GetUtcNow().UtcDateTime;
        if (!TryTime(query["until"], now, out var until) || !TryTime(query["since"], until.AddHours(-24), out var since))
        {
            return (null, "since and until must be ISO 8601 times, e.g. 2026-11-28T08:00:00Z.");
        }

        if (since >= until)
        {
            return (null, "since must be before until.");
        }

        string? outcome = query["outcome"];
        if (!string.IsNullOrEmpty(outcome) && !Outcomes.Contains(outcome))
        {
            return (null, $"outcome must be one of {string.Join(", ", Outcomes)}.");
        }

        string? category = query["category"];
        if (category is { Length: > 40 })
        {
            return (null, "category is too long.");
        }

        string? phone = null;
        if (!string.IsNullOrEmpty(query["phone"]) && (phone = phones.ToE164(query["phone"])) is null)
        {
            return (null, "phone is not a phone number.");
        }

        var cursor = CallLogCursor.Decode(query["cursor"]);
        if (!string.IsNullOrEmpty(query["cursor"]) && cursor is null)
        {
            return (null, "cursor is not one this API gave out.");
        }

        return (new CallLogFilter(since, until, NullIfEmpty(outcome), NullIfEmpty(category), phone, cursor), "");
    }

    static bool TryTime(string? text, DateTime fallback, out DateTime value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        var ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed);
        value = parsed.UtcDateTime;
        return ok;
    }

    static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
