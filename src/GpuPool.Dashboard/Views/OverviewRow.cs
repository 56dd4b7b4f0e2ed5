namespace GpuPool.Dashboard.Views;

/// <summary>One pool (or the total) on the overview, every figure already in words.</summary>
internal sealed record OverviewRow
{
    public required string Pool { get; init; }

    public required string State { get; init; }

    public string Problem { get; init; } = "";

    public string Addresses { get; init; } = "";

    public string Devices { get; init; } = "";

    public string MemoryAllocated { get; init; } = "";

    public string MemoryInUse { get; init; } = "";

    public string ComputeAllocated { get; init; } = "";

    /// <summary>Measured busy time over the busy window, in devices ("0.35 of 2 device(s)").</summary>
    public string ComputeBusy { get; init; } = "";

    /// <summary>Requests refused (leases and runs), counted by the servers since they started.</summary>
    public string Refused { get; init; } = "";

    public string Leases { get; init; } = "";

    public string Tenants { get; init; } = "";

    public string Waiting { get; init; } = "";

    public string Updated { get; init; } = "";

    /// <summary>SVG polyline points of the leases over the last hour ("" when there is no trend yet).</summary>
    public string LeaseTrend { get; init; } = "";

    /// <summary>SVG polyline points of the memory allocated over the last hour.</summary>
    public string MemoryTrend { get; init; } = "";

    public bool IsDown { get; init; }
}
