using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Hotline.Benchmarks;

// Where the database time of a run goes: statements per webhook from pg_stat_statements, which counts BEGIN and
// COMMIT too, and each statement of a multi-statement command apart. Only with --sql-stats (ops/bench.sh --sql-stats loads the extension); the headline figures
// are measured without it.
public sealed partial class SqlStats(string connectionString)
{
    public async Task ResetAsync()
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", conn))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var reset = new NpgsqlCommand("SELECT pg_stat_statements_reset()", conn))
        {
            await reset.ExecuteNonQueryAsync();
        }
    }

    public async Task<string> ReportAsync(RunResult run)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var webhooks = (double)run.Latencies.All.Count;
        var rows = new List<(long Calls, double TotalMs, long Plans, double PlanMs, string Query)>();
        await using (var query = new NpgsqlCommand(
            """
            SELECT calls, total_exec_time, plans, total_plan_time, query FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY calls DESC, total_exec_time DESC
            """, conn))
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetString(4)));
            }
        }

        static bool IsHangfire(string q) => q.Contains("\"hangfire\".", StringComparison.OrdinalIgnoreCase);
        var app = rows.Where(r => !IsHangfire(r.Query)).ToList();
        var hangfire = rows.Where(r => IsHangfire(r.Query)).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### Database work during the {run.Name} run ({run.Load}, {webhooks:N0} webhooks, {run.Seconds:F1} s)");
        text.AppendLine();
        var statements = app.Sum(r => r.Calls) / webhooks;
        var executionMs = app.Sum(r => r.TotalMs) / webhooks;
        var plans = app.Sum(r => r.Plans) / webhooks;
        var planningMs = app.Sum(r => r.PlanMs) / webhooks;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Per webhook: {statements:F1} statements and {executionMs:F3} ms of server execution; {plans:F1} plans made and {planningMs:F3} ms of planning (a prepared statement that keeps its generic plan is planned once per connection), not counting statements on Hangfire's tables. Hangfire meanwhile: {hangfire.Sum(r => r.Calls) / run.Seconds:F0} statements/s, {hangfire.Sum(r => r.TotalMs) / run.Seconds:F1} ms/s of execution, {hangfire.Sum(r => r.Plans) / run.Seconds:F0} plans/s, {hangfire.Sum(r => r.PlanMs) / run.Seconds:F1} ms/s of planning. BEGIN, COMMIT and DISCARD ALL cannot be told apart by session and count for both.");
        text.AppendLine();
        text.AppendLine("| Calls per webhook | Mean ms | Total ms | Plans per call | Planning ms | Statement |");
        text.AppendLine("|---:|---:|---:|---:|---:|---|");
        foreach (var (calls, totalMs, planCount, planMs, query) in rows.Take(30))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {calls / webhooks:F3} | {totalMs / calls:F3} | {totalMs:F0} | {(double)planCount / calls:F2} | {planMs:F0} | `{Clip(query)}` |");
        }

        return text.ToString();
    }

    static string Clip(string query)
    {
        var flat = Whitespace().Replace(query, " ").Trim().Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal);
        return flat.Length > 110 ? flat[..110] + "…" : flat;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
