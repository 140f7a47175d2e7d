using Dapper;
using Npgsql;

namespace Hotline.Calls;

public sealed record CallLogFilter(DateTime Since, DateTime Until, string? Outcome, string? Category, string? Phone, CallLogCursor? After);

// Keyset position: the started_at and id of the last row of the previous page.
public sealed record CallLogCursor(DateTime StartedAt, long Id)
{
    public string Encode() => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{StartedAt.Ticks}:{Id}"))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static CallLogCursor? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return null;
        }

        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            return parts.Length == 2 && long.TryParse(parts[0], out var ticks) && long.TryParse(parts[1], out var id)
                   && ticks is >= 0 and <= 3155378975999999999
                ? new CallLogCursor(new DateTime(ticks, DateTimeKind.Utc), id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public sealed record CallLogRow
{
    public long Id { get; init; }
    public string CallSid { get; init; } = "";
    public string Direction { get; init; } = "";
    public string FromPhone { get; init; } = "";
    public string ToPhone { get; init; } = "";
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public string Status { get; init; } = "";
    public string? Outcome { get; init; }
    public string? QueueName { get; init; }
    public int? QueueSeconds { get; init; }
    public int? DurationSeconds { get; init; }
    public string? NeedReference { get; init; }
    public string? Category { get; init; }
    public string? Urgency { get; init; }
    public bool HasVoicemail { get; init; }
}

public sealed class CallLogStore(NpgsqlDataSource db)
{
    const string Rows = """
        SELECT c.id, c.call_sid, c.direction, c.from_phone, c.to_phone, c.started_at, c.ended_at, c.status, c.outcome,
               c.queue_name, c.queue_seconds, c.duration_seconds,
               n.reference AS need_reference, n.category, n.urgency,
               EXISTS (SELECT 1 FROM voicemails v WHERE v.call_id = c.id) AS has_voicemail
        FROM calls c LEFT JOIN needs n ON n.call_id = c.id
        """;

    // A call's need is opened during the call, so it is never older than the call: the redundant n.created_at bound
    // lets a category filter start from the needs of the period instead of every call's join (2.9 s to 60 ms for a
    // day's export over 10 million calls, docs/benchmarks.md).
    const string Select = Rows + """
         WHERE c.started_at >= @Since AND c.started_at < @Until
          AND (@Outcome::text IS NULL OR c.outcome = @Outcome)
          AND (@Category::text IS NULL OR (n.category = @Category AND n.created_at >= @Since))
          AND (@Phone::text IS NULL OR c.from_phone = @Phone OR c.to_phone = @Phone)
          AND (@AfterAt::timestamptz IS NULL OR (c.started_at, c.id) < (@AfterAt, @AfterId))
        ORDER BY c.started_at DESC, c.id DESC
        LIMIT @limit
        """;

    public async Task<IReadOnlyList<CallLogRow>> PageAsync(CallLogFilter filter, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<CallLogRow>(new CommandDefinition(Select, Args(filter, limit), cancellationToken: ct))).AsList();
    }

    // Streams rows for the CSV export without holding them all in memory.
    public async IAsyncEnumerable<CallLogRow> StreamAsync(CallLogFilter filter, int limit, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // Dapper's analyser misreads the shared SQL here (the same text is accepted by PageAsync above).
#pragma warning disable DAP018
        var rows = conn.QueryUnbufferedAsync<CallLogRow>(Select, Args(filter, limit));
#pragma warning restore DAP018
        await foreach (var row in rows.WithCancellation(ct))
        {
            yield return row;
        }
    }

    static object Args(CallLogFilter f, int limit) =>
        new { f.Since, f.Until, f.Outcome, f.Category, f.Phone, AfterAt = f.After?.StartedAt, AfterId = f.After?.Id ?? 0, limit };

    public async Task<CallDetail?> DetailAsync(string callSid, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var call = await conn.QuerySingleOrDefaultAsync<CallLogRow>(
            Rows + " WHERE c.call_sid = @callSid", new { callSid });
        if (call is null)
        {
            return null;
        }

        var events = await conn.QueryAsync<CallEventRow>(
            "SELECT id, kind, detail, payload::text AS payload, replayed, occurred_at FROM call_events WHERE call_id = @Id ORDER BY id", new { call.Id });
        var voicemails = await conn.QueryAsync<VoicemailRow>(
            """
            SELECT recording_sid, duration_seconds, recording_status, transcript, transcription_status, heard_at, created_at
            FROM voicemails WHERE call_id = @Id ORDER BY id
            """, new { call.Id });
        var need = await conn.QuerySingleOrDefaultAsync<Needs.Need>("SELECT * FROM needs WHERE call_id = @Id", new { call.Id });
        return new CallDetail(call, need, events.AsList(), voicemails.AsList());
    }
}

public sealed record CallEventRow
{
    public long Id { get; init; }
    public string Kind { get; init; } = "";
    public string? Detail { get; init; }
    public string Payload { get; init; } = "";
    public bool Replayed { get; init; }
    public DateTime OccurredAt { get; init; }
}

public sealed record VoicemailRow
{
    public string RecordingSid { get; init; } = "";
    public int? DurationSeconds { get; init; }
    public string? RecordingStatus { get; init; }
    public string? Transcript { get; init; }
    public string? TranscriptionStatus { get; init; }
    public DateTime? HeardAt { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed record CallDetail(CallLogRow Call, Needs.Need? Need, IReadOnlyList<CallEventRow> Events, IReadOnlyList<VoicemailRow> Voicemails);
