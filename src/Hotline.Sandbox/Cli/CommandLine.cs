namespace Hotline.Sandbox.Cli;

public static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        await Task.CompletedTask;
        return 0;
    }
}
