namespace Hotline.Tests.Support;

// Reading /api/live as a browser's EventSource would.
public static class LiveStream
{
    // The next "data:" line of the stream, skipping event names and keep-alives; `within` is generous, for a busy machine.
    public static async Task<string> NextDataAsync(StreamReader reader, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        while (true)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("The stream ended.");
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
