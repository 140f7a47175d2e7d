using CsvHelper;
using Dapper;
using Hotline.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Hotline.Residents;

public sealed record ImportProblem(long Line, string Reason);

public sealed record ImportDuplicate(long Line, string Phone, long KeptLine);

public sealed record ImportResult(
    long Rows, int Inserted, int Updated, int Unchanged, int Rejected, int Superseded,
    IReadOnlyList<ImportProblem> Errors, bool ErrorsTruncated, IReadOnlyList<ImportDuplicate> Duplicates, IReadOnlyList<string> IgnoredColumns);

public sealed record ImportProgress(long Rows, long Bytes, long? TotalBytes);

// Reads a registry file and upserts it by phone number in one transaction. Good rows go in even when others are bad;
// a bad row is reported with its line and why. Rows are streamed into a temporary table with COPY and merged with one
// INSERT ... ON CONFLICT, so a file of any size costs one pass and a few statements. When a number appears twice,
// the later line wins and the earlier one is reported as superseded.
//
// Columns present in the file are authoritative for the residents it names (an empty cell clears the value, an empty
// flags cell removes every flag); columns the file lacks are left as they are. The one exception is language: an
// empty cell keeps the language the resident chose on the phone.
public sealed class ResidentImporter(NpgsqlDataSource db, Phones phones, ResidentVocabulary vocabulary, IOptions<HotlineOptions> hotline)
{
    public const int MaxErrorsListed = 1000;
    const int ProgressEvery = 500;

    public async Task<ImportResult> ImportAsync(Stream csv, long? totalBytes, string actor, long? staffId, DateTime now,
        IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var errors = new List<ImportProblem>();
        var rejected = 0;
        var malformed = 0;
        void Reject(long line, string reason)
        {
            rejected++;
            if (errors.Count < MaxErrorsListed)
            {
                errors.Add(new ImportProblem(line, reason));
            }
        }

        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            TrimWhitespace = true,
            // "Care Notes", "care-notes" and "CARE_NOTES" all name care_notes.
            NormalizeHeaderName = ResidentVocabulary.NormaliseFlag,
            MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = bad =>
            {
                malformed++;
                Reject(bad.LineNumber, $"malformed CSV ({bad.Reason})");
            },
            // A file is a registry, not a stream of records without end: one line is never bigger than this.
            MaxRecordSize = 1 << 20,
        };
        await using var reader = CsvReader.Create(csv, options, leaveOpen: true);
        await reader.ReadHeaderAsync(ct);
        var columns = ResidentColumns.All.ToDictionary(c => c, c => reader.TryGetFieldIndex(c, out var index) ? index : (int?)null);
        if (columns[ResidentColumns.Phone] is null)
        {
            throw new InvalidDataException(
                $"The first line must be a header with a phone column (columns: {string.Join(", ", ResidentColumns.All)}); found: {string.Join(", ", reader.Headers.Take(20))}.");
        }

        var present = columns.Where(c => c.Value is not null).Select(c => c.Key).ToHashSet();
        var ignored = reader.Headers.Where(h => !ResidentColumns.All.Contains(ResidentVocabulary.NormaliseFlag(h))).ToList();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(
            """
            CREATE TEMP TABLE resident_import (
                line bigint NOT NULL, phone text NOT NULL, name text, address text, building text, unit text, language text,
                flags text[], care_notes text, emergency_contact text) ON COMMIT DROP
            """, transaction: tx);

        long rows = 0;
        await using (var copy = await conn.BeginBinaryImportAsync(
            "COPY resident_import (line, phone, name, address, building, unit, language, flags, care_notes, emergency_contact) FROM STDIN (FORMAT BINARY)", ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows++;
                var line = reader.LineNumber;
                string? Field(string column) =>
                    columns[column] is { } index && index < reader.FieldCount ? Clean(reader.GetString(index)) : null;

                var row = Parse(Field);
                if (row.Error is not null)
                {
                    Reject(line, row.Error);
                }
                else
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(line, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(row.Phone!, NpgsqlDbType.Text, ct);
                    foreach (var value in new[] { row.Name, row.Address, row.Building, row.Unit, row.Language })
                    {
                        await WriteTextAsync(copy, value, ct);
                    }

                    await copy.WriteAsync(row.Flags, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                    await WriteTextAsync(copy, row.CareNotes, ct);
                    await WriteTextAsync(copy, row.EmergencyContact, ct);
                }

                if (rows % ProgressEvery == 0)
                {
                    progress?.Report(new ImportProgress(rows, reader.ByteOffset, totalBytes));
                }
            }

            await copy.CompleteAsync(ct);
        }

        var duplicates = (await conn.QueryAsync<ImportDuplicate>(
            """
            SELECT line, phone, kept_line FROM (
                SELECT line, phone, max(line) OVER (PARTITION BY phone) AS kept_line FROM resident_import) d
            WHERE line <> kept_line
            ORDER BY line
            """, transaction: tx)).AsList();
        var (inserted, updated) = await conn.QuerySingleAsync<(int, int)>(UpsertSql(present), new { actor, staffId, now }, tx);
        await tx.CommitAsync(ct);
        progress?.Report(new ImportProgress(rows, totalBytes ?? 0, totalBytes));

        // Malformed records never reach Read, but they are rows of the file all the same.
        rows += malformed;
        var accepted = (int)(rows - rejected) - duplicates.Count;
        return new ImportResult(rows, inserted, updated, accepted - inserted - updated, rejected, duplicates.Count,
            [.. errors.OrderBy(e => e.Line)], rejected > errors.Count, duplicates.Select(d => d with { Phone = Phones.Mask(d.Phone) }).ToList(), ignored);
    }

    static Task WriteTextAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, NpgsqlDbType.Text, ct);

    // Only the columns the file has are written; the column names come from the fixed list, never from the file.
    static string UpsertSql(IReadOnlySet<string> present)
    {
        var updatable = ResidentColumns.All.Where(c => c != ResidentColumns.Phone && present.Contains(c)).ToList();
        string NewValue(string column) => column == ResidentColumns.Language ? "coalesce(excluded.language, r.language)" : $"excluded.{column}";
        var set = string.Join(", ", updatable.Select(c => $"{c} = {NewValue(c)}").Append("updated_at = excluded.updated_at"));
        var changed = updatable.Count == 0
            ? "false"
            : $"({string.Join(", ", updatable.Select(c => $"r.{c}"))}) IS DISTINCT FROM ({string.Join(", ", updatable.Select(NewValue))})";
        return $$"""
            WITH latest AS (
                SELECT DISTINCT ON (phone) * FROM resident_import ORDER BY phone, line DESC),
            upserted AS (
                INSERT INTO residents AS r (phone, name, address, building, unit, language, flags, care_notes, emergency_contact, created_at, updated_at)
                SELECT phone, name, address, building, unit, language, coalesce(flags, '{}'), care_notes, emergency_contact, @now, @now FROM latest
                ON CONFLICT (phone) DO UPDATE SET {{set}}
                WHERE {{changed}}
                RETURNING r.id, (xmax = 0) AS inserted),
            audited AS (
                INSERT INTO audit_log (actor, staff_id, entity, entity_id, action, details, occurred_at)
                SELECT @actor, @staffId, 'resident', id, CASE WHEN inserted THEN 'imported' ELSE 'updated_by_import' END, '{}'::jsonb, @now
                FROM upserted)
            SELECT count(*) FILTER (WHERE inserted)::int, count(*) FILTER (WHERE NOT inserted)::int FROM upserted
            """;
    }

    sealed record ParsedRow(
        string? Phone, string? Name, string? Address, string? Building, string? Unit, string? Language, string[]? Flags,
        string? CareNotes, string? EmergencyContact, string? Error);

    ParsedRow Parse(Func<string, string?> field)
    {
        static ParsedRow Bad(string reason) => new(null, null, null, null, null, null, null, null, null, reason);

        var rawPhone = field(ResidentColumns.Phone);
        if (rawPhone is null)
        {
            return Bad("phone is empty");
        }

        var phone = phones.ToE164(rawPhone);
        if (phone is null)
        {
            return Bad($"phone '{Clip(rawPhone)}' is not a phone number (numbers without a country code are read as {hotline.Value.DefaultRegion})");
        }

        foreach (var (column, max) in ResidentColumns.MaxLength)
        {
            if (field(column) is { } text && text.Length > max)
            {
                return Bad($"{column} is longer than {max} characters");
            }
        }

        var (language, languageError) = vocabulary.ParseLanguage(field(ResidentColumns.Language));
        if (languageError is not null)
        {
            return Bad(languageError);
        }

        var (flags, flagError) = vocabulary.ParseFlags(field(ResidentColumns.Flags));
        if (flagError is not null)
        {
            return Bad(flagError);
        }

        return new ParsedRow(phone, field(ResidentColumns.Name), field(ResidentColumns.Address), field(ResidentColumns.Building),
            field(ResidentColumns.Unit), language, flags, field(ResidentColumns.CareNotes), field(ResidentColumns.EmergencyContact), null);
    }

    // Our own export puts ' before text that a spreadsheet would run as a formula; a re-import takes it off again.
    internal static string? Clean(string? value)
    {
        var text = value?.Trim();
        if (text is { Length: >= 2 } && text[0] == '\'' && "=+-@\t\r".Contains(text[1]))
        {
            text = text[1..];
        }

        return string.IsNullOrEmpty(text) ? null : text;
    }

    static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
