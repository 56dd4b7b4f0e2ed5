using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices;

/// <summary>
/// Samples every device whose provider implements <see cref="IDeviceTelemetryProvider"/> on the
/// <see cref="TimeProvider"/>'s clock. A device that turns unhealthy (its library failed, the driver reports
/// a fault) is drained, so placement skips it, and every lease on it is revoked, so its holder is told
/// (<see cref="LeaseLostReason.Revoked"/>, through the lease table's usual end of a lease). When the device
/// is healthy again, the drain it set is lifted; a drain an operator set stays.
/// </summary>
internal sealed class DeviceHealthMonitor : IHostedService, IDisposable
{
    private readonly DeviceInventory _inventory;
    private readonly LeaseTable _leases;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DeviceTelemetry> _latest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _drainedHere = new(StringComparer.Ordinal);
    private readonly Lock _timerLock = new();
    private ITimer? _timer;
    private int _sampling;
    private bool _stopped;

    /// <summary>Creates the monitor.</summary>
    public DeviceHealthMonitor(DeviceInventory inventory, LeaseTable leases, IOptions<GpuPoolRuntimeOptions> options, TimeProvider timeProvider, ILogger<DeviceHealthMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _inventory = inventory;
        _leases = leases;
        _interval = options.Value.DeviceHealthInterval;
        _time = timeProvider;
        _logger = logger;
    }

    /// <summary>The latest sample of every monitored device, by device id.</summary>
    public IReadOnlyDictionary<string, DeviceTelemetry> Latest => _latest;

    /// <summary>Whether a device's latest sample is healthy (devices that are not monitored are).</summary>
    public bool IsHealthy(string deviceId) =>
        !_latest.TryGetValue(deviceId, out var sample) || sample.Health == DeviceHealth.Healthy;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    /// <summary>Samples once now, then every <see cref="GpuPoolRuntimeOptions.DeviceHealthInterval"/> until stopped. Starting twice is harmless.</summary>
    public void Start()
    {
        var count = Monitored().Count;
        if (count == 0)
        {
            return;
        }

        SampleNow();
        lock (_timerLock)
        {
            if (!_stopped && _timer is null)
            {
                _timer = _time.CreateTimer(static state => ((DeviceHealthMonitor)state!).SampleNow(), this, _interval, _interval);
                RuntimeLog.DeviceHealthStarted(_logger, count, _interval);
            }
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Samples every monitored device once and acts on health changes. Overlapping calls are skipped.</summary>
    public void SampleNow()
    {
        if (Interlocked.Exchange(ref _sampling, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var (device, telemetry) in Monitored())
            {
                var sample = Sample(telemetry, device);
                var previous = _latest.GetValueOrDefault(device.Id);
                _latest[device.Id] = sample;
                var wasHealthy = previous is null || previous.Health == DeviceHealth.Healthy;
                if (wasHealthy && sample.Health == DeviceHealth.Unhealthy)
                {
                    Fail(device, sample.Reason ?? "unhealthy");
                }
                else if (!wasHealthy && sample.Health == DeviceHealth.Healthy)
                {
                    Recover(device);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_timerLock)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    internal static void Add(IServiceCollection services) => services.TryAddSingleton<DeviceHealthMonitor>();

    /// <summary>Samples for as long as the host runs (the server); the embedded pool starts it itself.</summary>
    internal static void AddHosted(IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DeviceHealthMonitor>(sp => sp.GetRequiredService<DeviceHealthMonitor>()));

    private static DeviceTelemetry Sample(IDeviceTelemetryProvider telemetry, DeviceDescriptor device)
    {
        try
        {
            return telemetry.Sample(device);
        }
        catch (Exception ex)
        {
            // A provider that throws is as good as a failed library.
            return DeviceTelemetry.Unhealthy(ex.Message);
        }
    }

    private List<(DeviceDescriptor Device, IDeviceTelemetryProvider Telemetry)> Monitored()
    {
        var monitored = new List<(DeviceDescriptor, IDeviceTelemetryProvider)>();
        foreach (var device in _inventory.Devices)
        {
            if (_inventory.ProviderOf(device.Id) is IDeviceTelemetryProvider telemetry)
            {
                monitored.Add((device, telemetry));
            }
        }

        return monitored;
    }

    private void Fail(DeviceDescriptor device, string reason)
    {
        var alreadyDraining = _leases.GetInventory().Devices.Any(d => d.Device.Id == device.Id && d.Device.Node == device.Node && d.Draining);
        if (!alreadyDraining && SetDraining(device, draining: true))
        {
            _drainedHere.Add(device.Id);
        }

        var revoked = 0;
        foreach (var lease in _leases.List())
        {
            if (lease.Devices.Any(d => d.Id == device.Id && d.Node == device.Node) && _leases.Revoke(lease, LeaseLostReason.Revoked))
            {
                revoked++;
            }
        }

        RuntimeLog.DeviceUnhealthy(_logger, device.Id, reason, revoked);
    }

    private void Recover(DeviceDescriptor device)
    {
        if (_drainedHere.Remove(device.Id))
        {
            SetDraining(device, draining: false);
        }

        RuntimeLog.DeviceHealthy(_logger, device.Id);
    }

    private bool SetDraining(DeviceDescriptor device, bool draining)
    {
        try
        {
            return _leases.SetDraining(device.Node, device.Id, draining);
        }
        catch (PoolUnavailableException ex)
        {
            RuntimeLog.DeviceHealthDrainFailed(_logger, device.Id, ex);
            return false;
        }
    }
}
