using Dapper;
using Hotline.Needs;
using Hotline.Tests.Support;

namespace Hotline.Tests.Needs;

// The database makes a need's reference as it inserts the need (migration 0011), while an SMS acknowledgement is
// checked by ReferenceCode in C#: the two must agree digit for digit.
public sealed class NeedReferenceTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    [Fact]
    public async Task The_database_makes_the_reference_codes_ReferenceCode_makes()
    {
        long[] sequences = [.. Enumerable.Range(10_000, 2_000).Select(i => (long)i), 0, 7, 99_999_999, 1_234_567_890_123];
        await using var conn = await Db.OpenConnectionAsync();

        var made = await conn.QueryAsync<string>(
            "SELECT need_reference(s) FROM unnest(@sequences) WITH ORDINALITY AS t(s, i) ORDER BY i", new { sequences });

        Assert.Equal(sequences.Select(ReferenceCode.FromSequence), made);
    }

    [Fact]
    public async Task A_need_opened_by_a_call_gets_the_next_reference_and_one_audit_entry_naming_it()
    {
        var next = ReferenceCode.FromSequence(await ScalarAsync<long>("SELECT nextval('need_reference_seq') + 1"));
        var caller = new Caller(Twilio, Caller.NewPhone());
        await caller.Dial();
        await caller.Press("/twilio/voice/language", "2");
        await caller.Press("/twilio/voice/menu?attempt=1", "2");
        // Delivered again: the need that exists is found, and neither a second need nor a second audit entry is made.
        await caller.Press("/twilio/voice/menu?attempt=1", "2");

        Assert.Equal(next, await ScalarAsync<string>("SELECT reference FROM needs"));
        Assert.Equal((next, "medicine"), await RowAsync<(string, string)>(
            "SELECT details->>'Reference', details->>'Category' FROM audit_log WHERE entity = 'need' AND action = 'opened'"));
    }
}
