namespace GpuPool.Runtime.Placement;

/// <summary>The largest node's CPU and GPU capacity, by which the baselines normalise resources.</summary>
internal readonly record struct ClusterScale(double MaxCpuMilli, double MaxGpuMilli)
{
    public static ClusterScale Of(SliceAllocator allocator)
    {
        long cpu = 0, gpu = 0;
        foreach (var node in allocator.Nodes)
        {
            cpu = Math.Max(cpu, node.CpuMilliTotal);
            gpu = Math.Max(gpu, (long)node.Devices.Count * SliceRequest.FullDeviceMilli);
        }

        return new ClusterScale(Math.Max(1, cpu), Math.Max(1, gpu));
    }
}
