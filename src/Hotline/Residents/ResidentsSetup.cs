using Microsoft.Extensions.Options;

namespace Hotline.Residents;

public static class ResidentsSetup
{
    public static WebApplicationBuilder AddResidents(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ResidentOptions>().BindConfiguration("Residents").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResidentOptions>, ResidentOptionsValidation>();
        services.AddSingleton<ResidentVocabulary>();
        services.AddSingleton<ResidentStore>();
        services.AddSingleton<ResidentImporter>();
        services.AddSingleton<ResidentExport>();
        return builder;
    }
}
