namespace Hotline.Escalations;

public static class EscalationSetup
{
    public static WebApplicationBuilder AddEscalations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EscalationOptions>().BindConfiguration("Escalation").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EscalationStore>();
        services.AddSingleton<AlertTexts>();
        services.AddSingleton<EscalationRunner>();
        services.AddSingleton<AlertDelivery>();
        services.AddSingleton<EscalationScheduler>();
        services.AddSingleton<Acknowledgements>();
        services.AddSingleton<AckSms>();
        services.AddSingleton<EscalationSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<EscalationSweeper>());
        return builder;
    }
}
