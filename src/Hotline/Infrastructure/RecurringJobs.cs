using System.Linq.Expressions;
using Hangfire;

namespace Hotline.Infrastructure;

// When a recurring job runs: a cron expression read in a local time zone (a district's 09:00 is not UTC's).
public sealed record RecurringSchedule(bool Enabled, string Cron, TimeZoneInfo Zone);

public static class RecurringJobs
{
    // Registers the job with Hangfire at start-up from its configuration, or removes it when it is disabled, so a
    // schedule changed or switched off in configuration takes effect on the next start.
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string id,
        Expression<Func<TJob, Task>> run, Func<IServiceProvider, RecurringSchedule> schedule) =>
        services.AddSingleton<IHostedService>(sp =>
            new Registration<TJob>(sp.GetRequiredService<IRecurringJobManager>(), id, run, schedule(sp)));

    sealed class Registration<TJob>(IRecurringJobManager recurring, string id, Expression<Func<TJob, Task>> run,
        RecurringSchedule schedule) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (schedule.Enabled)
            {
                recurring.AddOrUpdate(id, run, schedule.Cron, new RecurringJobOptions { TimeZone = schedule.Zone });
            }
            else
            {
                recurring.RemoveIfExists(id);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
