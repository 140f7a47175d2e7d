using Hotline.Tests.Support;

namespace Hotline.Tests.Calls;

public sealed class StatusCallbackTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    static readonly (string Status, int Sequence, string? Duration)[] Lifecycle =
        [("initiated", 0, null), ("ringing", 1, null), ("in-progress", 2, null), ("completed", 3, "95")];

    [Fact]
    public async Task Shuffled_and_duplicated_status_callbacks_give_the_same_final_call()
    {
        var expected = await FinalStateAfterAsync(Lifecycle);

        for (var round = 0; round < 6; round++)
        {
            await Fixture.ResetAsync();
            var shuffled = Lifecycle.Concat(Lifecycle.Take(Random.Shared.Next(1, 4))).OrderBy(_ => Random.Shared.Next()).ToArray();
            Assert.Equal(expected, await FinalStateAfterAsync(shuffled));
        }

        Assert.Equal(("completed", "abandoned_in_ivr", 95, 4L), expected);
    }

    [Fact]
    public async Task A_final_status_is_never_overwritten_by_a_late_live_one()
    {
        var final = await FinalStateAfterAsync([("completed", 5, "30"), ("in-progress", 2, null), ("ringing", 9, null)]);

        Assert.Equal("completed", final.Status);
    }

    [Fact]
    public async Task A_status_callback_for_an_unknown_call_creates_the_call_so_nothing_is_lost()
    {
        var final = await FinalStateAfterAsync([("no-answer", 1, "0")]);

        Assert.Equal(("no-answer", "missed"), (final.Status, final.Outcome));
    }

    [Fact]
    public async Task Callbacks_racing_to_be_the_first_we_hear_of_a_call_make_one_call()
    {
        // Twilio sends a call's callbacks on connections of their own: several can arrive before any has committed the
        // call's row, each finding no row and trying to create it.
        var caller = new Caller(Twilio, Caller.NewPhone());

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(sequence =>
            caller.PostAsync("/twilio/voice/status", ("CallStatus", "ringing"), ("SequenceNumber", sequence.ToString()))));

        Assert.All(answers, answer => Assert.Equal(System.Net.HttpStatusCode.OK, answer.Status));
        Assert.Equal((1L, 8L), await RowAsync<(long, long)>(
            "SELECT (SELECT count(*) FROM calls), (SELECT count(*) FROM call_events WHERE kind = 'status')"));
    }

    [Fact]
    public async Task An_unknown_call_status_is_refused_with_a_reason()
    {
        var caller = new Caller(Twilio, Caller.NewPhone());

        var answer = await caller.PostAsync("/twilio/voice/status", ("CallStatus", "exploded"), ("SequenceNumber", "1"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("not a Twilio call status", answer.Body);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM calls"));
    }

    async Task<(string Status, string? Outcome, int? Duration, long Events)> FinalStateAfterAsync((string Status, int Sequence, string? Duration)[] callbacks)
    {
        var caller = new Caller(Twilio, "+8613800000001", "CA00000000000000000000000000000001");
        foreach (var (status, sequence, duration) in callbacks)
        {
            var answer = await caller.PostAsync("/twilio/voice/status",
                ("CallStatus", status), ("SequenceNumber", sequence.ToString()), ("CallDuration", duration ?? ""));
            Assert.Equal(System.Net.HttpStatusCode.OK, answer.Status);
        }

        return await RowAsync<(string, string?, int?, long)>(
            "SELECT status, outcome, duration_seconds, (SELECT count(*) FROM call_events) FROM calls");
    }
}
