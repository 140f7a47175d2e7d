using Dapper;
using Npgsql;

namespace Hotline.Infrastructure;

public static class DatabaseSetup
{
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = ConnectionString(builder.Configuration);
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        builder.Services.AddSingleton(_ => CreateDataSource(connectionString, "hotline"));
        return builder;
    }

    public static string ConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Hotline");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Hotline is not set. Set ConnectionStrings__Hotline, or start the hotline with ops/run.sh, which starts a private PostgreSQL.");
        }

        return connectionString;
    }

    // The app's pool and Hangfire's are built alike; a connection string that says otherwise wins in both.
    public static NpgsqlDataSource CreateDataSource(string connectionString, string name)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        var settings = builder.ConnectionStringBuilder;
        // Every webhook runs the same few statements; preparing them spares PostgreSQL re-planning each one
        // (measured: about a third of its CPU per webhook).
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        // A pooled connection is otherwise reset with seven statements each time it is taken (RESET ALL, DISCARD
        // SEQUENCES, ...), parsed afresh every time. Nothing here leaves session state behind: transactions end
        // before a connection goes back, and advisory locks are taken per transaction or released in a finally.
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            settings.NoResetOnClose = true;
        }

        // PostgreSQL compiles a query to machine code once its estimated cost passes jit_above_cost, which the call
        // log's queries over months of calls do; the compiling takes longer than the query it is meant to speed up.
        if (settings.Options?.Contains("jit", StringComparison.OrdinalIgnoreCase) != true)
        {
            settings.Options = $"{settings.Options} -c jit=off".TrimStart();
        }

        return builder.Build();
    }

    // For the few connections that must not come from a pool: the migrations at start-up (an idle pooled connection
    // may be one the server has since closed), the queue provisioner's session lock (it would outlive its owner on a
    // pooled connection that is not reset), and the live board's watcher (it must not wait on a pool a flood emptied).
    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
}
