using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace GpuPool.Server.TestHost;

/// <summary>One category's logger of <see cref="XunitLoggerProvider"/>: a line per message, its exception after it.</summary>
internal sealed class XunitLogger(ITestOutputHelper output, string category, TimeProvider time) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        var line = $"{time.GetUtcNow():HH:mm:ss.fff} {logLevel,-11} {category}[{eventId.Id}] {formatter(state, exception)}";
        if (exception is not null)
        {
            line += Environment.NewLine + exception;
        }

        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has ended ("There is no currently active test"): nobody reads this output any more.
        }
    }
}
