namespace GpuPool.Runtime.Devices;

/// <summary>
/// Optional companion of <see cref="IDeviceProvider"/>: what code outside the pool needs to use one of the
/// provider's devices for a lease. Without it the pool uses <see cref="VendorLeaseSettings"/> for the
/// device's vendor.
/// </summary>
public interface IDeviceLeaseSettingsProvider
{
    /// <summary>
    /// Environment variables that make a process-isolated worker see only <paramref name="device"/>
    /// (for example <c>CUDA_VISIBLE_DEVICES</c>); in that worker the device is then ordinal 0.
    /// Empty when nothing needs to be set.
    /// </summary>
    IReadOnlyDictionary<string, string> GetWorkerEnvironment(DeviceDescriptor device);

    /// <summary>
    /// ONNX Runtime execution providers for a lease on <paramref name="device"/> with a memory limit, in order
    /// of preference (the first one the loaded ONNX Runtime offers is used). Empty for the CPU.
    /// </summary>
    IReadOnlyList<ExecutionProviderSettings> GetExecutionProviders(DeviceDescriptor device, long memoryLimitBytes);
}
