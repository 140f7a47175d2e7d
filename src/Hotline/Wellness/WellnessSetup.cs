using Hotline.Infrastructure;
using Microsoft.Extensions.Options;

namespace Hotline.Wellness;

public static class WellnessSetup
{
    public static WebApplicationBuilder AddWellness(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WellnessOptions>().BindConfiguration("Wellness").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WellnessOptions>, WellnessOptionsValidation>();
        services.AddSingleton<WellnessStore>();
        services.AddSingleton<WellnessCalls>();
        services.AddSingleton<WellnessResponses>();
        services.AddTransient<WellnessCallJob>();
        services.AddTransient<WellnessRoundJob>();
        services.AddSingleton<WellnessSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<WellnessSweeper>());
        services.AddRecurringJob<WellnessRoundJob>(WellnessRoundJob.RecurringId, job => job.RunAsync(CancellationToken.None), sp =>
        {
            var config = sp.GetRequiredService<IOptions<WellnessOptions>>().Value;
            return new RecurringSchedule(config.Enabled, config.Cron, config.Zone);
        });
        return builder;
    }
}
