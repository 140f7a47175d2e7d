using System.Text.Json;
using Dapper;
using Hotline.Infrastructure;
using Npgsql;

namespace Hotline.Residents;

public sealed record ResidentCall
{
    public long Id { get; init; }
    public string? CallSid { get; init; }
    public string Direction { get; init; } = "";
    public string? Purpose { get; init; }
    public DateTime StartedAt { get; init; }
    public string Status { get; init; } = "";
    public string? Outcome { get; init; }
    public int? DurationSeconds { get; init; }
    public string? NeedReference { get; init; }
}

public sealed record ResidentNeed
{
    public long Id { get; init; }
    public string Reference { get; init; } = "";
    public string Source { get; init; } = "";
    public string Category { get; init; } = "";
    public string Urgency { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Resolution { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed record ResidentWellnessCheck
{
    public long Id { get; init; }
    public DateOnly Day { get; init; }
    public string Status { get; init; } = "";
    public int Attempts { get; init; }
    public string? LastResult { get; init; }
}

public sealed record ResidentMessage
{
    public string Direction { get; init; } = "";
    public string Body { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTime CreatedAt { get; init; }
}

// A resident and what happened with them, newest first.
public sealed record ResidentDetail(
    Resident Resident, IReadOnlyList<ResidentCall> Calls, IReadOnlyList<ResidentNeed> Needs, IReadOnlyList<ResidentMessage> Messages,
    IReadOnlyList<ResidentWellnessCheck> WellnessChecks);

// Changes from the console; null leaves a field as it is, "" (or no flags) clears it.
public sealed record ResidentChanges(
    string[]? Flags, string? Language, string? Name, string? Address, string? Building, string? Unit, string? CareNotes, string? EmergencyContact);

public sealed class ResidentStore(NpgsqlDataSource db)
{
    // By number when the text has digits (any part of it, so the last four digits find a caller), else by name.
    public async Task<IReadOnlyList<Resident>> SearchAsync(string? text, string? phone, string? flag, int limit, CancellationToken ct)
    {
        var digits = new string((text ?? "").Where(char.IsAsciiDigit).ToArray());
        var byNumber = digits.Length >= 3 ? digits : null;
        var byName = byNumber is null && !string.IsNullOrWhiteSpace(text) ? "%" + EscapeLike(text.Trim().ToLowerInvariant()) + "%" : null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<Resident>(new CommandDefinition(
            """
            SELECT * FROM residents
            WHERE (@byName::text IS NULL OR lower(name) LIKE @byName OR lower(address) LIKE @byName)
              AND (@byNumber::text IS NULL OR phone = @phone OR phone LIKE '%' || @byNumber || '%')
              AND (@flag::text IS NULL OR flags @> ARRAY[@flag])
            ORDER BY (phone = @phone) DESC, lower(name) NULLS LAST, id
            LIMIT @limit
            """,
            new { byName, byNumber, phone, flag, limit }, cancellationToken: ct))).AsList();
    }

    static string EscapeLike(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    public async Task<Resident?> FindAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<Resident>(new CommandDefinition("SELECT * FROM residents WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<ResidentDetail> DetailAsync(Resident resident, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var args = new { resident.Id, resident.Phone, limit };
        var calls = await conn.QueryAsync<ResidentCall>(new CommandDefinition(
            """
            SELECT c.id, c.call_sid, c.direction, c.purpose, c.started_at, c.status, c.outcome, c.duration_seconds, n.reference AS need_reference
            FROM calls c LEFT JOIN needs n ON n.call_id = c.id
            WHERE c.resident_id = @Id OR c.from_phone = @Phone OR c.to_phone = @Phone
            ORDER BY c.started_at DESC, c.id DESC
            LIMIT @limit
            """, args, cancellationToken: ct));
        var needs = await conn.QueryAsync<ResidentNeed>(new CommandDefinition(
            """
            SELECT id, reference, source, category, urgency, status, resolution, created_at FROM needs
            WHERE resident_id = @Id OR phone = @Phone
            ORDER BY created_at DESC, id DESC
            LIMIT @limit
            """, args, cancellationToken: ct));
        var messages = await conn.QueryAsync<ResidentMessage>(new CommandDefinition(
            """
            SELECT direction, body, status, created_at FROM messages
            WHERE resident_id = @Id OR from_phone = @Phone OR to_phone = @Phone
            ORDER BY created_at DESC, id DESC
            LIMIT @limit
            """, args, cancellationToken: ct));
        var checks = await conn.QueryAsync<ResidentWellnessCheck>(new CommandDefinition(
            "SELECT id, day, status, attempts, last_result FROM wellness_checks WHERE resident_id = @Id ORDER BY day DESC LIMIT @limit",
            args, cancellationToken: ct));
        return new ResidentDetail(resident, calls.AsList(), needs.AsList(), messages.AsList(), checks.AsList());
    }

    // The change and its audit entry (what was, what is) commit together.
    public async Task<Resident?> UpdateAsync(long id, ResidentChanges changes, long? staffId, string actor, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var before = await conn.QuerySingleOrDefaultAsync<Resident>(new CommandDefinition(
            "SELECT * FROM residents WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct));
        if (before is null)
        {
            return null;
        }

        var after = before with
        {
            Flags = changes.Flags ?? before.Flags,
            Language = Apply(changes.Language, before.Language),
            Name = Apply(changes.Name, before.Name),
            Address = Apply(changes.Address, before.Address),
            Building = Apply(changes.Building, before.Building),
            Unit = Apply(changes.Unit, before.Unit),
            CareNotes = Apply(changes.CareNotes, before.CareNotes),
            EmergencyContact = Apply(changes.EmergencyContact, before.EmergencyContact),
            UpdatedAt = now,
        };
        var changed = Differences(before, after);
        if (changed.Count == 0)
        {
            return before;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE residents SET flags = @Flags, language = @Language, name = @Name, address = @Address, building = @Building,
                unit = @Unit, care_notes = @CareNotes, emergency_contact = @EmergencyContact, updated_at = @UpdatedAt
            WHERE id = @Id
            """, after, tx, cancellationToken: ct));
        await AuditLog.WriteAsync(conn, tx, new AuditEntry(actor, staffId, "resident", id, "updated", JsonSerializer.Serialize(changed), now));
        await tx.CommitAsync(ct);
        return after;
    }

    static string? Apply(string? change, string? current) => change is null ? current : change.Length == 0 ? null : change;

    static Dictionary<string, object?[]> Differences(Resident before, Resident after)
    {
        var changed = new Dictionary<string, object?[]>();
        void Compare(string name, object? was, object? now, bool equal)
        {
            if (!equal)
            {
                changed[name] = [was, now];
            }
        }

        Compare("flags", before.Flags, after.Flags, before.Flags.SequenceEqual(after.Flags));
        Compare("language", before.Language, after.Language, before.Language == after.Language);
        Compare("name", before.Name, after.Name, before.Name == after.Name);
        Compare("address", before.Address, after.Address, before.Address == after.Address);
        Compare("building", before.Building, after.Building, before.Building == after.Building);
        Compare("unit", before.Unit, after.Unit, before.Unit == after.Unit);
        // Care notes can be long and personal: the audit says that they changed, not what they say.
        Compare("care_notes", before.CareNotes is null ? null : "…", after.CareNotes is null ? null : "…", before.CareNotes == after.CareNotes);
        Compare("emergency_contact", before.EmergencyContact, after.EmergencyContact, before.EmergencyContact == after.EmergencyContact);
        return changed;
    }
}
