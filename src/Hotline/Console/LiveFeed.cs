using System.Threading.Channels;

namespace Hotline.OperatorConsole;

// Fans the database's change notices (LiveWatcher) out to every open board in this instance. Each subscriber has a
// small buffer; a slow browser loses old notices rather than holding up the others, which is harmless because a
// notice only says "re-read".
public sealed class LiveFeed
{
    readonly Lock gate = new();
    readonly List<Channel<string>> subscribers = [];
    TaskCompletionSource? firstSubscriber;

    public ChannelReader<string> Subscribe()
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<string>(
            new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (gate)
        {
            subscribers.Add(channel);
            firstSubscriber?.TrySetResult();
            firstSubscriber = null;
        }

        return channel.Reader;
    }

    // For the watcher, which has nobody to tell while no board is open: done once one is (at once if one is now).
    public Task WhenSubscribedAsync(CancellationToken ct)
    {
        lock (gate)
        {
            if (subscribers.Count > 0)
            {
                return Task.CompletedTask;
            }

            firstSubscriber ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return firstSubscriber.Task.WaitAsync(ct);
        }
    }

    public void Unsubscribe(ChannelReader<string> reader)
    {
        lock (gate)
        {
            subscribers.RemoveAll(c => c.Reader == reader);
        }
    }

    public int Subscribers
    {
        get
        {
            lock (gate)
            {
                return subscribers.Count;
            }
        }
    }

    public void Publish(string table)
    {
        // Only table names (or "*") go out: a sequence someone else puts in schema live must not smuggle anything
        // else into a browser's event stream.
        if (table.Length is 0 or > 63 || !table.All(c => c is '*' or '_' || char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            return;
        }

        lock (gate)
        {
            foreach (var channel in subscribers)
            {
                channel.Writer.TryWrite(table);
            }
        }
    }
}
