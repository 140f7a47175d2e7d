using Hotline.Sandbox.Cli;

namespace Hotline.Sandbox;

// Not top-level statements: those would declare a global `Program` that clashes with the app's own
// in a test project referencing both (WebApplicationFactory<Program>).
internal static class Program
{
    public static Task<int> Main(string[] args) => CommandLine.RunAsync(args);
}
