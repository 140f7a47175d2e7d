using Dapper;
using Hotline.Calls;
using Hotline.OperatorConsole;
using Hotline.Tests.Support;

namespace Hotline.Tests.Calls;

// The queue's readers (the board, take next call, the waiting list, the callback order) find the few callers waiting
// now through the partial index calls_waiting_in_queue, whose predicate CallStore.WaitingInQueue spells out. If the two
// drift apart, nothing fails but speed: every board refresh scans every call ever taken (185 ms at 2 million calls).
// With sequential scans priced out of reach, the plan names the index only if the query's conditions imply its predicate.
public sealed class WaitingInQueueIndexTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Theory]
    [InlineData("SELECT c.id FROM calls c WHERE " + CallStore.WaitingInQueue)]
    [InlineData(TakeNextCall.FrontOfQueues)]
    public async Task Queue_readers_can_use_the_waiting_index(string sql)
    {
        await using var conn = await Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off", transaction: tx);
        var plan = string.Join("\n", await conn.QueryAsync<string>("EXPLAIN " + sql, transaction: tx));
        Assert.Contains("calls_waiting_in_queue", plan);
    }

    [Fact]
    public async Task A_caller_is_waiting_from_the_queue_until_its_result_or_the_final_status()
    {
        await ExecuteAsync("INSERT INTO staff (username, display_name, role, password_hash, on_duty) VALUES ('op', 'Op', 'operator', 'x', true)");
        var leftTheQueue = await EnqueuedCallerAsync();
        var hungUp = await EnqueuedCallerAsync();
        Assert.Equal(1L, await WaitingAsync(leftTheQueue.From));
        Assert.Equal(1L, await WaitingAsync(hungUp.From));

        await leftTheQueue.PostAsync("/twilio/voice/queue/done", ("QueueResult", "hangup"), ("QueueTime", "12"));
        await hungUp.Status("completed", duration: 30);
        Assert.Equal(0L, await WaitingAsync(leftTheQueue.From));
        Assert.Equal(0L, await WaitingAsync(hungUp.From));
    }

    async Task<Caller> EnqueuedCallerAsync()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "4");
        return caller;
    }

    Task<long> WaitingAsync(string from) =>
        ScalarAsync<long>($"SELECT count(*) FROM calls c WHERE {CallStore.WaitingInQueue} AND c.from_phone = @from", new { from });
}
