using System.Collections.Concurrent;

namespace Hotline.Sandbox.Rest;

// A request the app made to the sandbox's REST API.
public sealed record RecordedRequest(
    DateTimeOffset At,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string[]> Form,
    int Status)
{
    public string? Param(string name) => Form.TryGetValue(name, out var values) ? values.FirstOrDefault() : null;
}

public sealed class RequestLog
{
    private readonly ConcurrentQueue<RecordedRequest> requests = new();

    public IReadOnlyList<RecordedRequest> All() => requests.ToList();

    internal void Add(RecordedRequest request) => requests.Enqueue(request);

    public void Reset() => requests.Clear();
}
