using Hangfire;
using Microsoft.Extensions.Options;

namespace Hotline.Reports;

public static class ReportsSetup
{
    public static WebApplicationBuilder AddReports(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ReportOptions>().BindConfiguration("Reports").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportOptions>, ReportOptionsValidation>();
        services.AddSingleton<DailyReportStore>();
        services.AddTransient<DailyReportJob>();
        services.AddHostedService<ReportSchedule>();
        return builder;
    }
}

// Registers (or removes) the daily report with Hangfire at start-up, from configuration.
public sealed class ReportSchedule(IRecurringJobManager recurring, IOptions<ReportOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var config = options.Value;
        if (config.Enabled)
        {
            recurring.AddOrUpdate<DailyReportJob>(DailyReportJob.RecurringId, job => job.RunAsync(CancellationToken.None), config.DailyCron,
                new RecurringJobOptions { TimeZone = config.Zone });
        }
        else
        {
            recurring.RemoveIfExists(DailyReportJob.RecurringId);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
