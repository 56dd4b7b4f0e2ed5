using System.Globalization;
using GpuPool.Runtime.Placement;

namespace GpuPool.Benchmarks.Trace;

/// <summary>
/// The simulated cluster of <c>openb_node_list_gpu_node.csv</c>: one node per row with its CPU, host
/// memory and GPUs of one model. The trace has no GPU memory, so every GPU gets a nominal
/// <see cref="DeviceMemoryBytes"/> (1 MiB per milli) and a share asks for memory in proportion to its milli
/// (the README: each 10 milli is 1% of the GPU's memory); the memory check then coincides with the milli check.
/// </summary>
internal static class TraceCluster
{
    public const long MiB = 1024 * 1024;

    /// <summary>Nominal memory of every simulated GPU.</summary>
    public const long DeviceMemoryBytes = SliceRequest.FullDeviceMilli * MiB;

    public static IReadOnlyList<NodeCapacity> Load(string traceDir)
    {
        var path = Path.Combine(traceDir, "openb_node_list_gpu_node.csv");
        var rows = TraceCsv.Read(path);
        var nodes = new List<NodeCapacity>(rows.Count);
        foreach (var row in rows)
        {
            var name = row["sn"];
            var gpus = int.Parse(row["gpu"], CultureInfo.InvariantCulture);
            var devices = new DeviceDescriptor[gpus];
            for (var d = 0; d < gpus; d++)
            {
                devices[d] = new DeviceDescriptor
                {
                    Id = "gpu" + d.ToString(CultureInfo.InvariantCulture),
                    Node = name,
                    Kind = DeviceKind.Gpu,
                    Vendor = DeviceVendor.Nvidia,
                    Model = row["model"],
                    TotalMemoryBytes = DeviceMemoryBytes,
                    Ordinal = d,
                    IsSimulated = true,
                };
            }

            nodes.Add(new NodeCapacity(
                name,
                devices,
                long.Parse(row["cpu_milli"], CultureInfo.InvariantCulture),
                long.Parse(row["memory_mib"], CultureInfo.InvariantCulture) * MiB));
        }

        return nodes;
    }
}
