using Dapper;
using Npgsql;

namespace Hotline.Infrastructure;

// A session advisory lock, for work that must not hold a transaction open while it runs (Twilio calls, one
// transaction per need): taken with a try, released when disposed. The pool does not reset connections
// (DatabaseSetup), so it is released explicitly; a connection that broke took its lock with it.
public sealed class SessionLock : IAsyncDisposable
{
    readonly NpgsqlConnection conn;
    readonly long key;

    SessionLock(NpgsqlConnection conn, long key) => (this.conn, this.key) = (conn, key);

    // Null when another session holds the lock.
    public static async Task<SessionLock?> TryTakeAsync(NpgsqlConnection conn, long key) =>
        await conn.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key }) ? new SessionLock(conn, key) : null;

    public async ValueTask DisposeAsync()
    {
        if (conn.State == System.Data.ConnectionState.Open)
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key });
        }
    }
}
