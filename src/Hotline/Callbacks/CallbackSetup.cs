namespace Hotline.Callbacks;

public static class CallbackSetup
{
    public static WebApplicationBuilder AddCallbacks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CallbackOptions>().BindConfiguration("Callbacks").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CallbackStore>();
        builder.Services.AddSingleton<CallbackDialer>();
        builder.Services.AddSingleton<CallbackOutcomes>();
        builder.Services.AddSingleton<CallbackRequests>();
        builder.Services.AddSingleton<CallbackSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CallbackSweeper>());
        return builder;
    }
}
