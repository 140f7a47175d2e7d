using Hotline.Infrastructure;
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
        services.AddRecurringJob<DailyReportJob>(DailyReportJob.RecurringId, job => job.RunAsync(CancellationToken.None), sp =>
        {
            var config = sp.GetRequiredService<IOptions<ReportOptions>>().Value;
            return new RecurringSchedule(config.Enabled, config.DailyCron, config.Zone);
        });
        return builder;
    }
}
