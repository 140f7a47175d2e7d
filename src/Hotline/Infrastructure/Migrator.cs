using DbUp;
using Npgsql;

namespace Hotline.Infrastructure;

// Applies the numbered scripts in migrations/ (embedded in the assembly) through DbUp's journal table.
public static class Migrator
{
    // Any fixed number: it only has to be the same for every instance of the app.
    const long MigrationLockKey = 7_245_301;

    public static IReadOnlyList<string> Run(string pooledConnectionString)
    {
        // A few connections once at start-up: unpooled, so none of them can be an idle one the server has since closed
        // (a restarted or failed-over database), which would fail the start.
        var connectionString = DatabaseSetup.Unpooled(pooledConnectionString);
        EnsureDatabase.For.PostgresqlDatabase(connectionString, new DbUp.Engine.Output.NoOpUpgradeLog());

        // Two instances starting together must not both run the same script.
        using var lockConnection = new NpgsqlConnection(connectionString);
        lockConnection.Open();
        using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection))
        {
            take.ExecuteNonQuery();
        }

        var upgrader = DeployChanges.To.PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(Migrator).Assembly, name => name.StartsWith("migrations.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
        }

        return result.Scripts.Select(s => s.Name).ToList();
    }

    public static int EmbeddedScriptCount() =>
        typeof(Migrator).Assembly.GetManifestResourceNames().Count(n => n.StartsWith("migrations.", StringComparison.Ordinal));
}
