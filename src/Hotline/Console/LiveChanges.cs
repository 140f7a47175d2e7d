namespace Hotline.OperatorConsole;

// Which tables to announce after each poll of the live sequences. A bump is visible to the poll before its
// transaction commits, so a board that re-read at once could miss the change: a table that moved is announced now
// and, if any transaction was running at the poll (one of them may be the bumper), again once all of those have
// ended. Only transactions that wrote have ids, so a long read does not hold a second notice back; a long write in
// the database would, so a notice still owed is repeated every second meanwhile.
public sealed class LiveChanges
{
    // "Re-read everything": the first poll of a connection, whose earlier changes nobody watched.
    public const string Everything = "*";

    // Notices still owed, each with the transactions it waits for; past this many, new ones merge into the last.
    const int MaxOwed = 64;

    // Polls between repeats of a notice still owed (the watcher polls every 100 ms).
    const int RepeatEvery = 10;

    readonly List<(HashSet<string> Tables, HashSet<long> Running, long Poll)> owed = [];
    Dictionary<string, long>? last;
    long poll;

    public IReadOnlyCollection<string> Next(IReadOnlyDictionary<string, long> sequences, IReadOnlyCollection<long> running)
    {
        poll++;
        var announce = new HashSet<string>();
        owed.RemoveAll(notice =>
        {
            notice.Running.IntersectWith(running);
            var settled = notice.Running.Count == 0;
            if (settled || (poll - notice.Poll) % RepeatEvery == 0)
            {
                announce.UnionWith(notice.Tables);
            }

            return settled;
        });

        var moved = last is null
            ? [Everything]
            : sequences.Where(s => !last.TryGetValue(s.Key, out var before) || before != s.Value).Select(s => s.Key).ToHashSet();
        last = new Dictionary<string, long>(sequences);
        announce.UnionWith(moved);
        if (moved.Count > 0 && running.Count > 0)
        {
            if (owed.Count < MaxOwed)
            {
                owed.Add((moved, running.ToHashSet(), poll));
            }
            else
            {
                owed[^1].Tables.UnionWith(moved);
                owed[^1].Running.UnionWith(running);
            }
        }

        return announce;
    }
}
