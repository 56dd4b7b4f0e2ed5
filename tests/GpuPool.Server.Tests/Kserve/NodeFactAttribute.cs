namespace GpuPool.Server.Tests.Kserve;

/// <summary>A test that runs the Node.js client; skipped, saying why, only where node or npm is not installed.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeClient.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
