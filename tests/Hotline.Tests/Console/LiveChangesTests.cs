using Hotline.OperatorConsole;

namespace Hotline.Tests.OperatorConsole;

// The watcher's bookkeeping, poll by poll: sequences as read, then the ids of the transactions running just after.
public sealed class LiveChangesTests
{
    readonly LiveChanges changes = new();

    IReadOnlyCollection<string> Poll(long calls, long staff, params long[] running) =>
        changes.Next(new Dictionary<string, long> { ["calls"] = calls, ["staff"] = staff }, running);

    [Fact]
    public void The_first_poll_says_re_read_everything_and_later_ones_name_the_tables_that_moved()
    {
        Assert.Equal(["*"], Poll(5, 7));
        Assert.Empty(Poll(5, 7));
        Assert.Equal(["staff"], Poll(5, 8));
        Assert.Equal(["calls", "staff"], Poll(6, 9).Order());
    }

    [Fact]
    public void A_table_that_moved_while_transactions_ran_is_named_again_once_they_all_have_ended()
    {
        Poll(5, 7);
        Assert.Equal(["calls"], Poll(6, 7, 100, 101));
        Assert.Empty(Poll(6, 7, 101, 102));
        Assert.Equal(["calls"], Poll(6, 7, 102));
        Assert.Empty(Poll(6, 7, 102));
    }

    [Fact]
    public void A_table_that_moved_with_nothing_running_was_committed_and_is_named_once()
    {
        Poll(5, 7);
        Assert.Equal(["staff"], Poll(5, 8));
        Assert.Empty(Poll(5, 8, 200));
        Assert.Empty(Poll(5, 8));
    }

    [Fact]
    public void A_connection_s_first_poll_waits_on_what_was_running_too()
    {
        // Changes made before the watcher looked are covered by "re-read everything", once they are visible.
        Assert.Equal(["*"], Poll(5, 7, 300));
        Assert.Equal(["*"], Poll(5, 7));
    }

    [Fact]
    public void A_notice_held_back_by_a_long_transaction_is_repeated_every_second_meanwhile()
    {
        // Transaction 500 may be anyone's (a console left open in a transaction): the board re-reads once a second.
        Poll(5, 7);
        Assert.Equal(["calls"], Poll(6, 7, 500));
        for (var i = 1; i < 10; i++)
        {
            Assert.Empty(Poll(6, 7, 500));
        }

        Assert.Equal(["calls"], Poll(6, 7, 500));
        Assert.Empty(Poll(6, 7, 500));
        Assert.Equal(["calls"], Poll(6, 7));
        Assert.Empty(Poll(6, 7));
    }

    [Fact]
    public void Notices_owed_past_the_limit_merge_and_are_all_given_once_their_transactions_end()
    {
        Poll(0, 0);
        for (var i = 1; i <= 100; i++)
        {
            Poll(i, 0, 1000, 1000 + i);
        }

        Assert.Contains("staff", Poll(100, 1, 1000, 1100));
        Assert.Contains("calls", Poll(100, 1, 1100));
        Assert.Equal(["calls", "staff"], Poll(100, 1).Order());
        Assert.Empty(Poll(100, 1));
    }
}
