using Dapper;
using Hotline.Infrastructure;
using Npgsql;

namespace Hotline.Residents;

// The registry as a file that the import reads back unchanged: the same columns, flags joined with ';'. CsvLines
// (the writer every export uses) puts ' before text a spreadsheet would run as a formula; the import takes it off.
public sealed class ResidentExport(NpgsqlDataSource db)
{
    public async Task WriteAsync(Stream output, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, CsvLines.Encoding);
        await writer.WriteAsync(CsvLines.Line([.. ResidentColumns.All, "updated_at"]));
        await using var conn = await db.OpenConnectionAsync(ct);
        await foreach (var r in conn.QueryUnbufferedAsync<Resident>("SELECT * FROM residents ORDER BY id").WithCancellation(ct))
        {
            await writer.WriteAsync(CsvLines.Line([
                r.Phone, r.Name, r.Address, r.Building, r.Unit, r.Language, string.Join(';', r.Flags), r.CareNotes, r.EmergencyContact, r.UpdatedAt]));
        }
    }
}
