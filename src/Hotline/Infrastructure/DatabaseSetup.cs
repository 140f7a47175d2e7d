using Dapper;
using Npgsql;

namespace Hotline.Infrastructure;

public static class DatabaseSetup
{
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Hotline");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Hotline is not set. Set ConnectionStrings__Hotline, or start the hotline with ops/run.sh, which starts a private PostgreSQL.");
        }

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = "hotline" };
        // Every webhook runs the same few statements; preparing them spares PostgreSQL re-planning each one
        // (measured: about a third of its CPU per webhook). A connection string that says otherwise wins.
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        builder.Services.AddSingleton(_ => dataSource.Build());
        return builder;
    }
}
