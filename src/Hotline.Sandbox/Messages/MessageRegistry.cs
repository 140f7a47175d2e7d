using System.Collections.Concurrent;
using Hotline.Sandbox.Webhooks;

namespace Hotline.Sandbox.Messages;

// An SMS the app sent through Messages.json, and the status callbacks the sandbox made for it.
public sealed class TrackedMessage
{
    private readonly Lock gate = new();
    private readonly List<AppRequest> callbacks = [];
    private volatile string status = "queued";

    internal TrackedMessage(string from, string to, string body, Uri? statusCallback)
    {
        From = from;
        To = to;
        Body = body;
        StatusCallback = statusCallback;
    }

    public string Sid { get; } = Hotline.Sandbox.Sid.New("SM");
    public string From { get; }
    public string To { get; }
    public string Body { get; }
    public Uri? StatusCallback { get; }
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    public Task Completion { get; internal set; } = Task.CompletedTask;

    public string Status
    {
        get => status;
        internal set => status = value;
    }

    public IReadOnlyList<AppRequest> Callbacks
    {
        get { lock (gate) return callbacks.ToList(); }
    }

    internal void Record(AppRequest request)
    {
        lock (gate) callbacks.Add(request);
    }
}

public sealed class MessageRegistry
{
    private readonly ConcurrentDictionary<string, TrackedMessage> messages = new(StringComparer.Ordinal);

    public TrackedMessage? Find(string sid) => messages.GetValueOrDefault(sid);

    public IReadOnlyList<TrackedMessage> All() => messages.Values.OrderBy(m => m.CreatedAt).ToList();

    public Task WaitForAllAsync(CancellationToken ct) => Task.WhenAll(messages.Values.Select(m => m.Completion)).WaitAsync(ct);

    internal void Add(TrackedMessage message) => messages[message.Sid] = message;

    public void Reset() => messages.Clear();
}
