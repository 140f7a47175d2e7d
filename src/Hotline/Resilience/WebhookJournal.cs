using System.Collections.Concurrent;
using System.Text.Json;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;

namespace Hotline.Resilience;

// A webhook we answered without the database: what Twilio sent (its signature already checked), kept on local disk
// until it has been replayed into the database.
public sealed record JournalEntry(
    string Path, string Query, Dictionary<string, string> Form, string? IdempotencyToken, DateTime ReceivedAt, string Reason)
{
    // Everything the replay needs to run the request again through the same endpoint and filters.
    public static JournalEntry From(HttpContext http, IFormCollection form, DateTime receivedAt, string reason) => new(
        http.Request.Path.Value ?? "", http.Request.QueryString.Value ?? "",
        form.ToDictionary(f => f.Key, f => f.Value.ToString()),
        http.Request.Headers[Telephony.WebhookReceiptFilter.TokenHeader].FirstOrDefault(), receivedAt, reason);
}

// One file per webhook, written and flushed to disk before Twilio gets its answer, removed only once its replay has
// committed. Files sort by arrival, so replay keeps Twilio's order.
public sealed class WebhookJournal
{
    readonly string directory;
    readonly string rejected;
    // Calls with webhooks still waiting here: their later webhooks must wait behind them (see DegradedModeFilter).
    readonly ConcurrentDictionary<string, int> pendingCalls = new(StringComparer.Ordinal);
    long sequence;

    public WebhookJournal(IOptions<HotlineOptions> options)
    {
        directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "journal");
        rejected = Path.Combine(directory, "rejected");
        Directory.CreateDirectory(rejected);
        foreach (var file in Pending())
        {
            Hold(Read(file));
        }
    }

    // True while a webhook of this call waits to be replayed: one handled now would overtake it.
    public bool HoldsAnyCall => !pendingCalls.IsEmpty;

    public bool HoldsCall(string? callSid) => callSid is not null && pendingCalls.ContainsKey(callSid);

    static string? CallSidOf(JournalEntry? entry) => entry?.Form.GetValueOrDefault("CallSid") is { Length: > 0 } sid ? sid : null;

    void Hold(JournalEntry? entry)
    {
        if (CallSidOf(entry) is { } sid)
        {
            pendingCalls.AddOrUpdate(sid, 1, (_, n) => n + 1);
        }
    }

    void Release(string file)
    {
        if (CallSidOf(Read(file)) is not { } sid)
        {
            return;
        }

        while (pendingCalls.TryGetValue(sid, out var n))
        {
            if (n <= 1 ? pendingCalls.TryRemove(new KeyValuePair<string, int>(sid, n)) : pendingCalls.TryUpdate(sid, n - 1, n))
            {
                return;
            }
        }
    }

    public void Append(JournalEntry entry)
    {
        var name = $"{entry.ReceivedAt.Ticks:D20}-{Environment.ProcessId}-{Interlocked.Increment(ref sequence):D9}.json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry);
        using var file = new FileStream(Path.Combine(directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
        file.Write(bytes);
        // fsync: the caller's voicemail exists only here until the database is back.
        file.Flush(flushToDisk: true);
        Hold(entry);
    }

    public IReadOnlyList<string> Pending() =>
        Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal).ToList();

    public int Depth => Directory.EnumerateFiles(directory, "*.json").Count();

    // A file cut short by a crash while it was written was never answered, so Twilio never relied on it.
    public JournalEntry? Read(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<JournalEntry>(File.ReadAllBytes(file));
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    public void Remove(string file)
    {
        Release(file);
        File.Delete(file);
    }

    // Kept for a person to look at rather than retried forever.
    public void Reject(string file)
    {
        Release(file);
        File.Move(file, Path.Combine(rejected, Path.GetFileName(file)), overwrite: true);
    }
}
