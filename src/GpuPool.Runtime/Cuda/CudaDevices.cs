using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Cuda;

/// <summary>
/// CUDA driver interop for the pool's NVIDIA devices: opens each device's primary context on first use,
/// gives every lease its own stream (and, when <see cref="NvidiaDeviceOptions.ReserveMemoryOnGrant"/> is
/// on, allocates the lease's memory on the card), and releases them when the lease ends. Loads
/// <c>libcuda</c> lazily; where it is absent every call returns <see langword="null"/> and nothing breaks.
/// </summary>
internal sealed partial class CudaDevices : IDisposable, ILeaseEndObserver
{
    private readonly ICudaDriver _driver;
    private readonly NvidiaDeviceOptions _options;
    private readonly LeaseTable _leases;
    private readonly ILogger _logger;
    private readonly Lazy<bool> _available;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CudaDeviceContext?> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CudaLeaseContext> _bound = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Creates the interop layer and subscribes it to the lease table's ends.</summary>
    public CudaDevices(ICudaDriver driver, IOptions<GpuPoolRuntimeOptions> options, LeaseTable leases, ILogger<CudaDevices> logger)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(logger);
        _driver = driver;
        _options = options.Value.Nvidia;
        _leases = leases;
        _logger = logger;
        _available = new Lazy<bool>(Initialize);
        leases.AddEndObserver(this);
    }

    /// <summary>Whether the CUDA driver is loaded and initialised (loads it on first call).</summary>
    public bool IsAvailable => _options.Enabled && _available.Value;

    /// <summary>Whether a device is one this layer serves (a real NVIDIA GPU or MIG instance).</summary>
    public static bool IsCudaDevice(DeviceDescriptor device) =>
        device is { Vendor: DeviceVendor.Nvidia, IsSimulated: false, Kind: DeviceKind.Gpu or DeviceKind.GpuPartition };

    /// <summary>The CUDA side of a pool device, or <see langword="null"/> where there is none.</summary>
    public CudaDeviceContext? Open(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!IsCudaDevice(device) || !IsAvailable)
        {
            return null;
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_devices.TryGetValue(device.Id, out var context))
            {
                context = OpenLocked(device);
                _devices[device.Id] = context;
            }

            return context;
        }
    }

    /// <summary>The lease's CUDA resources, created on first call; <see langword="null"/> where the lease is not on a CUDA device.</summary>
    /// <exception cref="LeaseLostException">The lease has ended, or its memory could not be allocated on the card (it is revoked).</exception>
    public CudaLeaseContext? Bind(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (_bound.TryGetValue(lease.Id, out var existing))
        {
            return existing;
        }

        if (Open(lease.Devices[0]) is not { } device)
        {
            return null;
        }

        lock (_lock)
        {
            if (_bound.TryGetValue(lease.Id, out existing))
            {
                return existing;
            }

            lease.EnsureActive();
            var context = Create(lease, device);
            _bound[lease.Id] = context;
        }

        // The lease may have ended while it was bound; its resources must not outlive it.
        if (!lease.IsActive && _bound.TryRemove(lease.Id, out var orphan))
        {
            orphan.Release();
            lease.EnsureActive();
        }

        return _bound.GetValueOrDefault(lease.Id);
    }

    /// <summary>The resources of a bound lease, if any.</summary>
    public CudaLeaseContext? Find(string leaseId) => _bound.GetValueOrDefault(leaseId);

    /// <summary>Binds every live lease on a CUDA device (the grant-time reservation path of the telemetry loop).</summary>
    public void BindActiveLeases(LeaseTable leases)
    {
        ArgumentNullException.ThrowIfNull(leases);
        foreach (var lease in leases.List())
        {
            if (IsCudaDevice(lease.Devices[0]) && !_bound.ContainsKey(lease.Id))
            {
                try
                {
                    Bind(lease);
                }
                catch (LeaseLostException)
                {
                    // Ended meanwhile, or revoked because its memory does not exist on the card (logged).
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _leases.RemoveEndObserver(this);
        foreach (var id in _bound.Keys)
        {
            if (_bound.TryRemove(id, out var context))
            {
                context.Release();
            }
        }

        foreach (var device in _devices.Values)
        {
            if (device is not null)
            {
                try
                {
                    _driver.ReleasePrimaryContext(device.CudaDevice);
                }
                catch (CudaException ex)
                {
                    RuntimeLog.CudaReleaseFailed(_logger, device.Descriptor.Id, ex);
                }
            }
        }
    }

    /// <inheritdoc />
    LeaseEndStage ILeaseEndObserver.Stage => LeaseEndStage.Cuda;

    /// <inheritdoc />
    void ILeaseEndObserver.OnLeaseEnded(LeaseEntry lease)
    {
        if (_bound.TryRemove(lease.Id, out var context))
        {
            context.Release();
        }
    }
}
