using Dapper;
using Hotline.OperatorConsole;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.OperatorConsole;

// The live board's notices through the real watcher and database. A table may be announced more than once (again
// once the transactions running when it moved have ended), so these read on until the notice they expect.
public sealed class LiveFeedTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task A_change_committed_by_any_connection_reaches_the_live_stream()
    {
        await StaffLogin.AddStaffAsync(Fixture, "ana", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "ana");
        using var stream = await client.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("data: *", await LiveStream.NextDataAsync(reader, TimeSpan.FromSeconds(10)));
        Assert.Equal(1L, await Eventually.WaitForAsync(() => LiveWatchers.LookingAsync(Db), n => n == 1));

        // Written on a connection of its own, as another app instance would: only PostgreSQL connects the two.
        await ExecuteAsync("INSERT INTO residents (phone, name) VALUES ('+8613800000009', 'Zhou')");
        await ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'ana'");

        var seen = new List<string>();
        while (seen.LastOrDefault() != "data: staff")
        {
            seen.Add(await LiveStream.NextDataAsync(reader, TimeSpan.FromSeconds(10)));
        }

        Assert.DoesNotContain("data: residents", seen);
    }

    [Fact]
    public async Task A_change_is_announced_again_once_its_slow_transaction_has_committed()
    {
        // The watcher sees the bump while the transaction still runs: a board that re-read then saw nothing new.
        await StaffLogin.AddStaffAsync(Fixture, "bo", "operator");
        var feed = Fixture.Factory.Services.GetRequiredService<LiveFeed>();
        var notices = feed.Subscribe();
        try
        {
            await using var conn = await Db.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await conn.ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'bo'", transaction: tx);
            await Task.Delay(TimeSpan.FromSeconds(1));
            while (notices.TryRead(out _))
            {
            }

            await tx.CommitAsync();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            // "*" says the same (it comes instead when the watcher first looked during the transaction).
            while (await notices.ReadAsync(timeout.Token) is not ("staff" or LiveChanges.Everything))
            {
            }
        }
        finally
        {
            feed.Unsubscribe(notices);
        }
    }

    [Fact]
    public async Task With_no_board_open_the_watcher_holds_no_connection_and_a_board_that_opens_hears_of_changes()
    {
        await StaffLogin.AddStaffAsync(Fixture, "di", "operator");
        var feed = Fixture.Factory.Services.GetRequiredService<LiveFeed>();
        Assert.Equal(0L, await Eventually.WaitForAsync(() => LiveWatchers.ConnectedAsync(Db), n => n == 0));

        var notices = feed.Subscribe();
        try
        {
            Assert.Equal(1L, await Eventually.WaitForAsync(() => LiveWatchers.LookingAsync(Db), n => n == 1));
            await ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'di'");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await notices.ReadAsync(timeout.Token) != "staff")
            {
            }
        }
        finally
        {
            feed.Unsubscribe(notices);
        }

        Assert.Equal(0L, await Eventually.WaitForAsync(() => LiveWatchers.ConnectedAsync(Db), n => n == 0));
    }

    [Fact]
    public async Task A_statement_that_changes_no_row_moves_nothing_the_watcher_reads()
    {
        await StaffLogin.AddStaffAsync(Fixture, "cy", "operator");
        const string staffMoves = "SELECT coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'live' AND sequencename = 'staff'";
        var before = await ScalarAsync<long>(staffMoves);

        await ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'nobody'");
        Assert.Equal(before, await ScalarAsync<long>(staffMoves));

        await ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'cy'");
        Assert.Equal(before + 1, await ScalarAsync<long>(staffMoves));
    }
}
