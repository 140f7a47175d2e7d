using Microsoft.Extensions.Configuration;

namespace Hotline.Sandbox.Cli;

// Options come from appsettings.json, then the environment (Sandbox__AuthToken, ...), then the command line.
internal static class SandboxConfig
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        ["app"] = nameof(SandboxOptions.AppBaseUrl),
        ["account-sid"] = nameof(SandboxOptions.AccountSid),
        ["auth-token"] = nameof(SandboxOptions.AuthToken),
        ["hotline-number"] = nameof(SandboxOptions.HotlineNumber),
        ["speed"] = nameof(SandboxOptions.Speed),
        ["voice-url"] = nameof(SandboxOptions.VoiceUrl),
        ["voice-status-callback"] = nameof(SandboxOptions.VoiceStatusCallback),
        ["sms-url"] = nameof(SandboxOptions.SmsUrl),
        ["voice-fallback-url"] = nameof(SandboxOptions.VoiceFallbackUrl),
        ["sms-fallback-url"] = nameof(SandboxOptions.SmsFallbackUrl),
    };

    public static SandboxOptions Load(Args args)
    {
        var overrides = Flags
            .Where(f => args.Get(f.Key) is not null)
            .ToDictionary(f => $"{SandboxOptions.Section}:{f.Value}", f => (string?)args.Get(f.Key));
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides)
            .Build();
        return configuration.GetSection(SandboxOptions.Section).Get<SandboxOptions>() ?? new SandboxOptions();
    }
}
