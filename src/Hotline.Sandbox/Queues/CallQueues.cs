using System.Collections.Concurrent;
using Hotline.Sandbox.Calls;

namespace Hotline.Sandbox.Queues;

// Named queues per account, shared by every call the sandbox plays, so an inbound caller's <Enqueue> and an
// operator leg's <Dial><Queue> meet here.
public sealed class CallQueues(SandboxClock clock)
{
    // Twilio's sizes: a queue that <Enqueue> creates holds 100 callers, one created through the REST API 1000 unless
    // told otherwise, and none more than 5000.
    public const int ImplicitMaxSize = 100;
    public const int DefaultMaxSize = 1000;
    public const int LargestMaxSize = 5000;

    private readonly ConcurrentDictionary<(string Account, string Name), CallQueue> queues = new();

    // The queue <Enqueue> and <Dial><Queue> use, created on first use as Twilio does.
    public CallQueue Get(string accountSid, string name) =>
        queues.GetOrAdd((accountSid, name), key => new CallQueue(key.Name, ImplicitMaxSize, clock));

    // The REST API's create: null when the account already has a queue of that name (names identify queues in TwiML).
    public CallQueue? Create(string accountSid, string name, int maxSize)
    {
        var queue = new CallQueue(name, maxSize, clock);
        return queues.TryAdd((accountSid, name), queue) ? queue : null;
    }

    public CallQueue? Find(string accountSid, string sid) =>
        queues.FirstOrDefault(q => q.Key.Account == accountSid && q.Value.Sid == sid).Value;

    public IReadOnlyList<CallQueue> All() => queues.Values.OrderBy(q => q.Name, StringComparer.Ordinal).ToList();

    public IReadOnlyList<CallQueue> All(string accountSid) =>
        queues.Where(q => q.Key.Account == accountSid).Select(q => q.Value).OrderBy(q => q.Order).ToList();

    public void Reset() => queues.Clear();
}

public sealed class CallQueue(string name, int maxSize, SandboxClock clock)
{
    private readonly Lock gate = new();
    private readonly List<QueueMember> members = [];
    private TimeSpan totalWait;
    private int departed;
    private static long created;
    private int maxSize = maxSize;
    private TaskCompletionSource arrived = NewSignal();

    public string Name { get; } = name;
    public string Sid { get; } = Hotline.Sandbox.Sid.New("QU");
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    // Twilio lists queues oldest first; the clock alone may not tell two queues apart.
    internal long Order { get; } = Interlocked.Increment(ref created);
    public DateTimeOffset UpdatedAt { get; private set; } = DateTimeOffset.UtcNow;

    // Callers beyond it get QueueResult=queue-full. Lowering it sends nobody away who is already waiting.
    public int MaxSize
    {
        get { lock (gate) return maxSize; }
        set
        {
            lock (gate)
            {
                maxSize = value;
                UpdatedAt = DateTimeOffset.UtcNow;
            }
        }
    }

    public int Size
    {
        get { lock (gate) return members.Count; }
    }

    public IReadOnlyList<string> CallSids
    {
        get { lock (gate) return members.Select(m => m.Call.Sid).ToList(); }
    }

    public TimeSpan AverageWait
    {
        get { lock (gate) return departed == 0 ? TimeSpan.Zero : totalWait / departed; }
    }

    internal QueueMember? TryAdd(CallSession call)
    {
        lock (gate)
        {
            if (members.Count >= maxSize)
            {
                return null;
            }

            var member = new QueueMember(this, call, clock.Now);
            members.Add(member);
            arrived.TrySetResult();
            arrived = NewSignal();
            return member;
        }
    }

    // 1-based, or 0 once the member has left.
    internal int PositionOf(QueueMember member)
    {
        lock (gate) return members.IndexOf(member) + 1;
    }

    internal bool TryRemove(QueueMember member)
    {
        lock (gate)
        {
            if (!members.Remove(member))
            {
                return false;
            }

            Departed(member);
            return true;
        }
    }

    // Takes the front caller, waiting (in simulated time) for one to arrive; null when none came in time.
    // The bridge is offered under the lock so that a member is never both removed and left without an offer.
    internal async Task<(QueueMember Member, Bridge Bridge)?> TakeFrontAsync(
        Func<QueueMember, Bridge> bridgeTo, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = clock.Now + timeout;
        while (true)
        {
            Task signal;
            lock (gate)
            {
                if (members.Count > 0)
                {
                    var front = members[0];
                    members.RemoveAt(0);
                    Departed(front);
                    var bridge = bridgeTo(front);
                    front.Bridge(bridge);
                    return (front, bridge);
                }

                signal = arrived.Task;
            }

            var left = deadline - clock.Now;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.WhenAny(signal, clock.DelayAsync(left, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    private void Departed(QueueMember member)
    {
        totalWait += clock.Now - member.EnqueuedAt;
        departed++;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class QueueMember
{
    private readonly CancellationTokenSource taken = new();
    private readonly TaskCompletionSource<Bridge> offer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal QueueMember(CallQueue queue, CallSession call, TimeSpan enqueuedAt)
    {
        Queue = queue;
        Call = call;
        EnqueuedAt = enqueuedAt;
        Wait = CancellationTokenSource.CreateLinkedTokenSource(call.Token, taken.Token);
    }

    public CallQueue Queue { get; }
    public CallSession Call { get; }
    public TimeSpan EnqueuedAt { get; }

    // Fires when the caller hangs up or another call takes them out of the queue.
    internal CancellationTokenSource Wait { get; }
    internal Task<Bridge> Offer => offer.Task;
    internal bool IsTaken => offer.Task.IsCompleted;
    internal void Bridge(Bridge bridge)
    {
        offer.TrySetResult(bridge);
        taken.Cancel();
    }
}
