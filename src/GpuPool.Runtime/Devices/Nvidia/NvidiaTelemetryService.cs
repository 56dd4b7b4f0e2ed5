using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GpuPool.Diagnostics;
using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>
/// Samples NVML on the <see cref="TimeProvider"/>'s clock: memory that other processes use on a card is
/// fed to the lease table (<see cref="LeaseTable.SetExternalMemory"/>) so admission never hands it out,
/// utilisation and memory are published as metrics, and, when memory reservation is on, new leases are
/// bound to the card. Idle where there are no NVIDIA devices.
/// </summary>
internal sealed partial class NvidiaTelemetryService : IHostedService, IDisposable
{
    private readonly INvml _nvml;
    private readonly NvidiaDeviceProvider _provider;
    private readonly LeaseTable _leases;
    private readonly DeviceInventory _inventory;
    private readonly NvidiaDeviceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CudaDevices? _cuda;
    private readonly ConcurrentDictionary<string, NvidiaDeviceTelemetry> _latest = new(StringComparer.Ordinal);
    private readonly Lock _timerLock = new();
    private ITimer? _timer;
    private int _sampling;
    private bool _stopped;

    /// <summary>Creates the service.</summary>
    public NvidiaTelemetryService(
        INvml nvml,
        NvidiaDeviceProvider provider,
        LeaseTable leases,
        DeviceInventory inventory,
        IOptions<GpuPoolRuntimeOptions> options,
        TimeProvider timeProvider,
        IMeterFactory meterFactory,
        ILogger<NvidiaTelemetryService> logger,
        CudaDevices? cuda = null)
    {
        ArgumentNullException.ThrowIfNull(nvml);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(logger);
        _nvml = nvml;
        _provider = provider;
        _leases = leases;
        _inventory = inventory;
        _options = options.Value.Nvidia;
        _time = timeProvider;
        _logger = logger;
        _cuda = cuda;
        CreateInstruments(meterFactory.Create(GpuPoolInstruments.RuntimeMeter));
    }

    /// <summary>The latest sample of every NVIDIA device, by device id.</summary>
    public IReadOnlyDictionary<string, NvidiaDeviceTelemetry> Latest => _latest;

    /// <summary>The process whose device memory counts as the pool's (this process; tests may change it).</summary>
    internal int PoolProcessId { get; init; } = Environment.ProcessId;

    /// <summary>Samples once now, then every <see cref="NvidiaDeviceOptions.TelemetryInterval"/> until stopped.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    /// <summary>Samples once now, then every <see cref="NvidiaDeviceOptions.TelemetryInterval"/> until stopped. Starting twice is harmless.</summary>
    internal void Start()
    {
        if (!_options.Enabled || Tracked().Count == 0)
        {
            return;
        }

        SampleNow();
        lock (_timerLock)
        {
            if (!_stopped && _timer is null)
            {
                _timer = _time.CreateTimer(static state => ((NvidiaTelemetryService)state!).SampleNow(), this, _options.TelemetryInterval, _options.TelemetryInterval);
                RuntimeLog.NvidiaTelemetryStarted(_logger, _options.TelemetryInterval);
            }
        }
    }

    /// <summary>Stops sampling; a sample in progress finishes, no new one starts.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_timerLock)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>Takes one sample of every device and applies it. Overlapping calls are skipped.</summary>
    public void SampleNow()
    {
        if (Interlocked.Exchange(ref _sampling, 1) != 0)
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow();
            foreach (var gpu in Tracked())
            {
                try
                {
                    var sample = NvidiaTelemetrySampler.Sample(_nvml, gpu, PoolProcessId, now);
                    var previous = _latest.GetValueOrDefault(gpu.Id);
                    _latest[gpu.Id] = sample;
                    _leases.SetExternalMemory(_inventory.Node, gpu.Id, sample.ExternalMemoryBytes);
                    if (previous is null || previous.ExternalMemoryBytes != sample.ExternalMemoryBytes)
                    {
                        RuntimeLog.ExternalMemoryChanged(_logger, gpu.Id, sample.ExternalMemoryBytes);
                    }
                }
                catch (NvmlException ex)
                {
                    RuntimeLog.NvidiaTelemetryFailed(_logger, gpu.Id, ex);
                }
            }

            if (_options.ReserveMemoryOnGrant)
            {
                _cuda?.BindActiveLeases(_leases);
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

    private List<NvidiaGpu> Tracked()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var device in _inventory.Devices)
        {
            if (device.Vendor == DeviceVendor.Nvidia && !device.IsSimulated)
            {
                ids.Add(device.Id);
            }
        }

        return [.. _provider.Gpus.Where(g => ids.Contains(g.Id))];
    }
}
