using Microsoft.Extensions.Logging;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>One captured log entry, with everything a sink could write out.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Text);
