namespace Hotline.Sandbox.Cli;

internal static class ServeCommand
{
    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var options = SandboxConfig.Load(args);
        var urls = args.Get("urls") ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? "http://127.0.0.1:5090";
        await using var server = await SandboxServer.StartAsync(options, urls: urls, ct: ct);
        Console.WriteLine($"Twilio sandbox listening on {server.BaseAddress} (page: {server.BaseAddress}sandbox)");
        Console.WriteLine($"  account {options.AccountSid}, app {options.AppBaseUrl}, hotline number {options.HotlineNumber}, speed {options.Speed}x");
        Console.WriteLine($"  point the app's Twilio:ApiBaseUrl at {server.BaseAddress}");
        await server.WaitForShutdownAsync(ct);
        return 0;
    }
}
