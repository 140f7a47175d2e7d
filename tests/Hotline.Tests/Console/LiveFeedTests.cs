using Hotline.Tests.Support;

namespace Hotline.Tests.OperatorConsole;

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
        Assert.Equal("data: *", await ReadDataAsync(reader));
        await SettleAsync(reader);

        // Written on a connection of its own, as another app instance would: only PostgreSQL connects the two.
        await ExecuteAsync("INSERT INTO residents (phone, name) VALUES ('+8613800000009', 'Zhou')");
        await ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'ana'");

        Assert.Equal("data: staff", await ReadDataAsync(reader));
    }

    [Fact]
    public async Task A_rolled_back_change_or_one_that_changed_nothing_is_not_announced()
    {
        await StaffLogin.AddStaffAsync(Fixture, "bo", "operator");
        var client = await StaffLogin.LoggedInAsync(Fixture, "bo");
        using var stream = await client.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("data: *", await ReadDataAsync(reader));
        await SettleAsync(reader);

        await using (var conn = await Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE staff SET on_duty = true", transaction: tx);
            await tx.RollbackAsync();
        }

        // A statement that changes no row says nothing either.
        await ExecuteAsync("UPDATE staff SET on_duty = true WHERE username = 'nobody'");
        await ExecuteAsync("INSERT INTO calls (call_sid, direction, from_phone, to_phone, started_at) VALUES ('CA2', 'inbound', '+8613800000001', '+8621000000000', now())");
        Assert.Equal("data: calls", await ReadDataAsync(reader));
    }

    // Notices arrive in commit order: once a marker written now comes through, the login's own notice (it updates the
    // staff row) is behind us.
    async Task SettleAsync(StreamReader reader)
    {
        await ExecuteAsync("INSERT INTO calls (call_sid, direction, from_phone, to_phone, started_at) VALUES ('CA1', 'inbound', '+8613800000001', '+8621000000000', now())");
        while (await ReadDataAsync(reader) != "data: calls")
        {
        }
    }

    // The next "data:" line of the stream, skipping event names and keep-alives; generous time for a busy machine.
    static async Task<string> ReadDataAsync(StreamReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("The stream ended.");
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
