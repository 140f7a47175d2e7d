using Dapper;
using Hotline.OperatorConsole;
using Npgsql;

namespace Hotline.Tests.Support;

// The app instances' live watchers, as PostgreSQL sees them. A watcher connects when its instance's first board
// opens; a change committed before its first look comes to the boards as "*" only, so a test that waits for a
// table's own notice first waits until the watchers look.
public static class LiveWatchers
{
    public static Task<long> ConnectedAsync(NpgsqlDataSource db) => CountAsync(db, "true");

    // Past reading the sequences in their first look (which sets what later looks compare with): the look's second
    // statement, on the running transactions, is on record as their current or last one.
    public static Task<long> LookingAsync(NpgsqlDataSource db) => CountAsync(db, "query LIKE '%backend_xid%'");

    static async Task<long> CountAsync(NpgsqlDataSource db, string condition)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = @name AND {condition}",
            new { name = LiveWatcher.ApplicationName });
    }
}
