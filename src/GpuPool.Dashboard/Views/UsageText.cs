using System.Globalization;
using GpuPool.Dashboard.Pools;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Views;

/// <summary>Measured figures in words; "—" where nothing is reported (the CPU has no temperature, an older server no usage).</summary>
internal static class UsageText
{
    /// <summary>"35% (12.3 s, 40 runs)": utilisation over the busy window, then the total since the server started.</summary>
    public static string Busy(V1.DeviceUsage? device, double? fraction) => device is null
        ? Units.NotReported
        : $"{(fraction is { } f ? Units.Fraction(f) : Units.NotReported)} ({Units.Seconds(device.BusySeconds)}, {Runs(device.Runs)})";

    public static string VendorUtilization(V1.DeviceUsage? device) =>
        device is { HasVendorUtilizationPercent: true } ? $"{device.VendorUtilizationPercent}%" : Units.NotReported;

    public static string Temperature(V1.DeviceUsage? device) =>
        device is { HasTemperatureCelsius: true } ? string.Create(CultureInfo.InvariantCulture, $"{device.TemperatureCelsius:0} °C") : Units.NotReported;

    public static string Power(V1.DeviceUsage? device) =>
        device is { HasPowerWatts: true } ? string.Create(CultureInfo.InvariantCulture, $"{device.PowerWatts:0.#} W") : Units.NotReported;

    public static string Models(V1.LeaseUsage? lease) => lease is null
        ? Units.NotReported
        : lease.Models.Count == 0 ? "none" : string.Join(", ", lease.Models);

    public static string LeaseRuns(V1.LeaseUsage? lease) => lease is null ? Units.NotReported : lease.Runs.ToString(CultureInfo.InvariantCulture);

    public static string ComputeSeconds(V1.LeaseUsage? lease) => lease is null ? Units.NotReported : Units.Seconds(lease.ComputeSeconds);

    /// <summary>"12 runs, 0.45 s".</summary>
    public static string TenantRuns(TenantTotals? tenant) => tenant is null ? Units.NotReported : $"{Runs(tenant.Runs)}, {Units.Seconds(tenant.ComputeSeconds)}";

    /// <summary>"quota 1, capacity 2" (every reason counted), or "none".</summary>
    public static string Refusals(TenantTotals? tenant) => tenant is null
        ? Units.NotReported
        : tenant.RejectionCount == 0
            ? "none"
            : string.Join(", ", tenant.Rejections.Where(r => r.Value > 0).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key.Replace('_', ' ')} {r.Value}"));

    private static string Runs(long runs) => runs == 1 ? "1 run" : $"{runs} runs";
}
