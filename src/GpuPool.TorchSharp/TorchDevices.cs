using TorchSharp;

namespace GpuPool.TorchSharp;

/// <summary>Maps pool devices to TorchSharp devices and CPU thread counts.</summary>
public static class TorchDevices
{
    /// <summary>
    /// The <see cref="torch.Device"/> that runs work on <paramref name="device"/>: <c>cuda:N</c> (N = the CUDA
    /// ordinal) for an NVIDIA GPU, <c>cpu</c> for the CPU. A simulated device has no hardware: its work runs on
    /// the CPU, as the pool's own model runs do.
    /// </summary>
    /// <exception cref="NotSupportedException">The device is a real accelerator TorchSharp cannot address (not NVIDIA).</exception>
    public static torch.Device For(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.IsSimulated || device.Kind == DeviceKind.Cpu)
        {
            return torch.CPU;
        }

        if (device.Vendor == DeviceVendor.Nvidia)
        {
            return new torch.Device(DeviceType.CUDA, device.Ordinal);
        }

        throw new NotSupportedException($"Device {device.Id} ({device.Vendor} {device.Model}) has no TorchSharp device: TorchSharp runs on NVIDIA GPUs (CUDA) and the CPU.");
    }

    /// <summary>True when <paramref name="device"/> runs on CUDA rather than the CPU.</summary>
    public static bool IsCuda(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return !device.IsSimulated && device.Kind != DeviceKind.Cpu && device.Vendor == DeviceVendor.Nvidia;
    }

    /// <summary>
    /// The CPU threads a share of <paramref name="device"/> gets (at least one): the share of the CPU's hardware
    /// threads for a CPU (or simulated) device; for a GPU, the same share of this machine's cores, which feed it.
    /// </summary>
    public static int ThreadsFor(DeviceDescriptor device, int computeMilli)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(computeMilli, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(computeMilli, SliceRequest.FullDeviceMilli);
        var units = IsCuda(device) ? Environment.ProcessorCount : device.ComputeUnits;
        return Math.Max(1, (int)Math.Round(Math.Max(1, units) * computeMilli / (double)SliceRequest.FullDeviceMilli));
    }
}
