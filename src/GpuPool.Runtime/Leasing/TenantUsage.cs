namespace GpuPool.Runtime.Leasing;

/// <summary>What one tenant holds now, summed over its leases.</summary>
/// <param name="Leases">Number of leases.</param>
/// <param name="MemoryBytes">Device memory granted, in bytes (summed over devices).</param>
/// <param name="ComputeMilli">Compute granted, in milli-units (summed over devices).</param>
internal readonly record struct TenantUsage(int Leases, long MemoryBytes, long ComputeMilli)
{
    internal TenantUsage Add(long memory, long milli, int sign) =>
        new(Leases + sign, MemoryBytes + (sign * memory), ComputeMilli + (sign * milli));
}
