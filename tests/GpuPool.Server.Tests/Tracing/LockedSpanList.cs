using System.Diagnostics;
using OpenTelemetry;

namespace GpuPool.Server.Tests.Tracing;

/// <summary>
/// Records every ended span into a list under the list's own lock, so a test can read it while the server still ends
/// spans on other threads (OpenTelemetry's in-memory exporter adds without a lock the reader can take).
/// </summary>
internal sealed class LockedSpanList(List<Activity> spans) : BaseProcessor<Activity>
{
    /// <inheritdoc />
    public override void OnEnd(Activity data)
    {
        lock (spans)
        {
            spans.Add(data);
        }
    }
}
