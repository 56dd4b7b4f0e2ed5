using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Cuda;

/// <summary>Initialising the driver, matching pool devices to CUDA devices, creating lease resources.</summary>
internal sealed partial class CudaDevices
{
    /// <summary>Formats a CUDA UUID the way NVML prints it (8-4-4-4-12 lower-case hex), without the GPU-/MIG- prefix.</summary>
    public static string FormatUuid(ReadOnlySpan<byte> uuid)
    {
        if (uuid.Length != 16)
        {
            throw new ArgumentException($"A CUDA UUID is 16 bytes; got {uuid.Length}.", nameof(uuid));
        }

        var hex = Convert.ToHexStringLower(uuid);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string StripPrefix(string uuid)
    {
        var trimmed = uuid.Trim();
        return trimmed.StartsWith("GPU-", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("MIG-", StringComparison.OrdinalIgnoreCase)
            ? trimmed[4..].ToLowerInvariant()
            : trimmed.ToLowerInvariant();
    }

    private bool Initialize()
    {
        if (_driver.TryInitialize(out var error))
        {
            return true;
        }

        RuntimeLog.CudaUnavailable(_logger, _options.CudaLibrary, error ?? "unknown");
        return false;
    }

    private CudaDeviceContext? OpenLocked(DeviceDescriptor device)
    {
        var count = _driver.GetDeviceCount();
        int? match = null;
        if (device.Uuid is { } uuid)
        {
            var wanted = StripPrefix(uuid);
            for (var ordinal = 0; ordinal < count && match is null; ordinal++)
            {
                var candidate = _driver.GetDevice(ordinal);
                if (string.Equals(FormatUuid(_driver.GetUuid(candidate)), wanted, StringComparison.Ordinal))
                {
                    match = candidate;
                }
            }
        }
        else if (device.Ordinal < count)
        {
            match = _driver.GetDevice(device.Ordinal);
        }

        if (match is not { } cudaDevice)
        {
            RuntimeLog.CudaDeviceNotFound(_logger, device.Id, device.Uuid ?? "no uuid");
            return null;
        }

        var context = _driver.RetainPrimaryContext(cudaDevice);
        RuntimeLog.CudaDeviceOpened(_logger, cudaDevice, device.Id);
        return new CudaDeviceContext(_driver, device, cudaDevice, context);
    }

    private CudaLeaseContext Create(LeaseEntry lease, CudaDeviceContext device)
    {
        device.MakeCurrent();
        var stream = _driver.CreateStream();
        ulong reservation = 0;
        long reserved = 0;
        if (_options.ReserveMemoryOnGrant && lease.MemoryQuotaBytes > 0)
        {
            try
            {
                reservation = _driver.Allocate(lease.MemoryQuotaBytes);
                reserved = lease.MemoryQuotaBytes;
            }
            catch (CudaException ex)
            {
                _driver.DestroyStream(stream);
                RuntimeLog.CudaReservationFailed(_logger, lease.Id, lease.MemoryQuotaBytes, device.Descriptor.Id, ex);
                _leases.Revoke(lease);
                throw new LeaseLostException(
                    $"Lease {lease.Id} was revoked: its {ByteSize.Format(lease.MemoryQuotaBytes)} could not be allocated on {device.Descriptor.Id} ({ex.Message}).",
                    LeaseLostReason.Revoked);
            }
        }

        RuntimeLog.CudaLeaseBound(_logger, lease.Id, device.Descriptor.Id, reserved);
        return new CudaLeaseContext(lease.Id, device, stream, reservation, reserved, _logger);
    }
}
