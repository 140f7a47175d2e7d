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
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString)
        {
            Name = "hotline",
        }.Build());
        return builder;
    }
}
