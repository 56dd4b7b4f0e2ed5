namespace GpuPool.Dashboard.Pools;

/// <summary>What the dashboard knows of a pool: not asked yet, answering, or not answering.</summary>
internal enum PoolStatus
{
    Unknown,
    Up,
    Down,
}
