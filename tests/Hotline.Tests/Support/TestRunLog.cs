using Microsoft.Extensions.Logging;

namespace Hotline.Tests.Support;

// What the app logged (warnings and up, as the fixture configures), written to the file HOTLINE_TEST_LOG names, one
// line each. ops/test.sh prints a failed test's lines beside its failure: CI keeps nothing else of the run.
public sealed class TestRunLog(string path) : ILoggerProvider
{
    readonly StreamWriter file = new(path, append: true) { AutoFlush = true };
    bool disposed;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        lock (file)
        {
            disposed = true;
            file.Dispose();
        }
    }

    void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fff} {level} {category}: {message}";
        if (exception is not null)
        {
            line += $" ({exception.GetType().Name}: {exception.Message})";
        }

        lock (file)
        {
            // The host may still log while it stops, after this provider is gone.
            if (!disposed)
            {
                file.WriteLine(line.ReplaceLineEndings(" | "));
            }
        }
    }

    sealed class Logger(TestRunLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Write(logLevel, category, formatter(state, exception), exception);
    }
}
