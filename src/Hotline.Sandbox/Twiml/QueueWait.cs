using System.Globalization;
using Hotline.Sandbox.Queues;

namespace Hotline.Sandbox.Twiml;

// The context of a wait document: the Enqueue parameters Twilio adds to every wait URL request.
internal sealed class QueueWait(QueueMember member, SandboxClock clock)
{
    public QueueMember Member { get; } = member;
    public CancellationToken Token => Member.Wait.Token;

    public IEnumerable<KeyValuePair<string, string>> Params()
    {
        var queue = Member.Queue;
        yield return new("QueueSid", queue.Sid);
        yield return new("QueuePosition", Int(Math.Max(1, queue.PositionOf(Member))));
        yield return new("QueueTime", Int((int)(clock.Now - Member.EnqueuedAt).TotalSeconds));
        yield return new("AvgQueueTime", Int((int)queue.AverageWait.TotalSeconds));
        yield return new("CurrentQueueSize", Int(queue.Size));
        yield return new("MaxQueueSize", Int(queue.MaxSize));
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
