using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace GpuPool.Server.TestHost;

/// <summary>
/// Writes log messages to a test's output, so that a failing test shows what the server said. Messages
/// that arrive after the test ended (a server still stopping) are dropped.
/// </summary>
/// <param name="output">The test's output.</param>
/// <param name="time">The clock of the timestamps; the system clock when null (a test's fake clock would stamp its own time).</param>
public sealed class XunitLoggerProvider(ITestOutputHelper output, TimeProvider? time = null) : ILoggerProvider
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ILogger CreateLogger(string categoryName) => new XunitLogger(output, categoryName, _time);

    public void Dispose()
    {
    }
}
