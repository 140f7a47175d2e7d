namespace Hotline.Reconciliation;

public static class ReconciliationSetup
{
    public static WebApplicationBuilder AddReconciliation(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReconciliationOptions>().BindConfiguration("Reconciliation").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CallReconciler>();
        builder.Services.AddSingleton<TranscriptReconciler>();
        builder.Services.AddSingleton<ReconciliationSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReconciliationSweeper>());
        return builder;
    }
}
