using Hangfire;
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
        services.AddTransient<WellnessCallJob>();
        services.AddTransient<WellnessRoundJob>();
        services.AddSingleton<WellnessSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<WellnessSweeper>());
        services.AddHostedService<WellnessSchedule>();
        return builder;
    }
}

// Registers (or removes) the daily round with Hangfire at start-up, from configuration.
public sealed class WellnessSchedule(IRecurringJobManager recurring, IOptions<WellnessOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var config = options.Value;
        if (config.Enabled)
        {
            recurring.AddOrUpdate<WellnessRoundJob>(WellnessRoundJob.RecurringId, job => job.RunAsync(CancellationToken.None), config.Cron,
                new RecurringJobOptions { TimeZone = config.Zone });
        }
        else
        {
            recurring.RemoveIfExists(WellnessRoundJob.RecurringId);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
