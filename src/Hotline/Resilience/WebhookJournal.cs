using System.Text.Json;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;

namespace Hotline.Resilience;

// A webhook we answered without the database: what Twilio sent (its signature already checked), kept on local disk
// until it has been replayed into the database.
public sealed record JournalEntry(
    string Path, string Query, Dictionary<string, string> Form, string? IdempotencyToken, DateTime ReceivedAt, string Reason);

// One file per webhook, written and flushed to disk before Twilio gets its answer, removed only once its replay has
// committed. Files sort by arrival, so replay keeps Twilio's order.
public sealed class WebhookJournal
{
    readonly string directory;
    readonly string rejected;
    long sequence;

    public WebhookJournal(IOptions<HotlineOptions> options)
    {
        directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "journal");
        rejected = Path.Combine(directory, "rejected");
        Directory.CreateDirectory(rejected);
    }

    public void Append(JournalEntry entry)
    {
        var name = $"{entry.ReceivedAt.Ticks:D20}-{Environment.ProcessId}-{Interlocked.Increment(ref sequence):D9}.json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry);
        using var file = new FileStream(Path.Combine(directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
        file.Write(bytes);
        // fsync: the caller's voicemail exists only here until the database is back.
        file.Flush(flushToDisk: true);
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
        catch (JsonException)
        {
            return null;
        }
    }

    public void Remove(string file) => File.Delete(file);

    // Kept for a person to look at rather than retried forever.
    public void Reject(string file) => File.Move(file, Path.Combine(rejected, Path.GetFileName(file)), overwrite: true);
}
