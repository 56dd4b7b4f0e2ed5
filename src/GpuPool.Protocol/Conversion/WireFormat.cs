using Google.Protobuf;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Protocol.Conversion;

/// <summary>Converts between the SDK's types and their <c>gpupool.v1</c> messages. Shared by client and server so both read the wire the same way.</summary>
public static class WireFormat
{
    /// <summary>Milliseconds since the Unix epoch.</summary>
    public static long ToUnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <summary>A device to its message.</summary>
    public static V1.Device ToWire(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new V1.Device
        {
            Id = device.Id,
            Node = device.Node,
            Kind = (V1.DeviceKind)device.Kind,
            Vendor = (V1.DeviceVendor)device.Vendor,
            Model = device.Model,
            TotalMemoryBytes = device.TotalMemoryBytes,
            Ordinal = device.Ordinal,
            Uuid = device.Uuid ?? "",
            ComputeCapability = device.ComputeCapability ?? "",
            ComputeUnits = device.ComputeUnits,
            IsSimulated = device.IsSimulated,
        };
    }

    /// <summary>A device message to the SDK's descriptor.</summary>
    public static DeviceDescriptor FromWire(V1.Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new DeviceDescriptor
        {
            Id = device.Id,
            Node = device.Node,
            Kind = (DeviceKind)device.Kind,
            Vendor = (DeviceVendor)device.Vendor,
            Model = device.Model,
            TotalMemoryBytes = device.TotalMemoryBytes,
            Ordinal = device.Ordinal,
            Uuid = device.Uuid.Length == 0 ? null : device.Uuid,
            ComputeCapability = device.ComputeCapability.Length == 0 ? null : device.ComputeCapability,
            ComputeUnits = device.ComputeUnits,
            IsSimulated = device.IsSimulated,
        };
    }

    /// <summary>A slice request to its message.</summary>
    public static V1.SliceRequest ToWire(SliceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new V1.SliceRequest
        {
            MemoryBytes = request.MemoryBytes,
            Priority = (V1.LeasePriority)request.Priority,
            TimeToLiveMs = request.TimeToLive is { } ttl ? Math.Max(1, (long)ttl.TotalMilliseconds) : 0,
            Isolation = (V1.LeaseIsolation)request.Isolation,
            HardCap = request.HardCap,
            CpuMilli = request.CpuMilli,
            HostMemoryBytes = request.HostMemoryBytes,
            ClientRequestId = request.ClientRequestId ?? "",
        };
        if (request.ComputeMilli is { } milli)
        {
            wire.ComputeMilli = milli;
        }

        if (request.WholeDevices is { } count)
        {
            wire.WholeDevices = count;
        }

        if (request.WaitTimeout is { } wait)
        {
            wire.WaitTimeoutMs = (long)wait.TotalMilliseconds;
        }

        if (request.Constraints is { } c)
        {
            wire.Constraints = new V1.DeviceConstraints();
            if (c.Kind is { } kind)
            {
                wire.Constraints.Kind = (V1.DeviceKind)kind;
            }

            if (c.Vendor is { } vendor)
            {
                wire.Constraints.Vendor = (V1.DeviceVendor)vendor;
            }

            if (c.Models is not null)
            {
                wire.Constraints.Models.AddRange(c.Models);
            }

            if (c.MinDeviceMemoryBytes is { } min)
            {
                wire.Constraints.MinDeviceMemoryBytes = min;
            }

            if (c.Node is not null)
            {
                wire.Constraints.Node = c.Node;
            }

            if (c.DeviceId is not null)
            {
                wire.Constraints.DeviceId = c.DeviceId;
            }
        }

        return wire;
    }

    /// <summary>A slice request message to the SDK's request (not yet validated: call <see cref="SliceRequest.EnsureValid"/>).</summary>
    /// <exception cref="InvalidPoolRequestException">A field is out of range.</exception>
    public static SliceRequest FromWire(V1.SliceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TimeToLiveMs < 0)
        {
            throw new InvalidPoolRequestException($"time_to_live_ms must not be negative; got {request.TimeToLiveMs}.");
        }

        if (request.HasWaitTimeoutMs && request.WaitTimeoutMs < 0)
        {
            throw new InvalidPoolRequestException($"wait_timeout_ms must not be negative; got {request.WaitTimeoutMs}.");
        }

        const long maxMs = (long)(365.0 * 24 * 3600 * 1000);
        if (request.TimeToLiveMs > maxMs || (request.HasWaitTimeoutMs && request.WaitTimeoutMs > maxMs))
        {
            throw new InvalidPoolRequestException("time_to_live_ms and wait_timeout_ms must be at most one year.");
        }

        DeviceConstraints? constraints = null;
        if (request.Constraints is { } c)
        {
            constraints = new DeviceConstraints
            {
                Kind = c.HasKind ? (DeviceKind)c.Kind : null,
                Vendor = c.HasVendor ? (DeviceVendor)c.Vendor : null,
                Models = c.Models.Count == 0 ? null : [.. c.Models],
                MinDeviceMemoryBytes = c.HasMinDeviceMemoryBytes ? c.MinDeviceMemoryBytes : null,
                Node = c.HasNode ? c.Node : null,
                DeviceId = c.HasDeviceId ? c.DeviceId : null,
            };
        }

        return new SliceRequest
        {
            MemoryBytes = request.MemoryBytes,
            ComputeMilli = request.HasComputeMilli ? request.ComputeMilli : null,
            WholeDevices = request.HasWholeDevices ? request.WholeDevices : null,
            Constraints = constraints,
            Priority = request.HasPriority ? (LeasePriority)request.Priority : LeasePriority.Normal,
            TimeToLive = request.TimeToLiveMs == 0 ? null : TimeSpan.FromMilliseconds(request.TimeToLiveMs),
            WaitTimeout = request.HasWaitTimeoutMs ? TimeSpan.FromMilliseconds(request.WaitTimeoutMs) : null,
            Isolation = (LeaseIsolation)request.Isolation,
            HardCap = request.HardCap,
            CpuMilli = request.CpuMilli,
            HostMemoryBytes = request.HostMemoryBytes,
            ClientRequestId = request.ClientRequestId.Length == 0 ? null : request.ClientRequestId,
        };
    }

    /// <summary>A lease snapshot to its message.</summary>
    public static V1.Lease ToWire(LeaseInfo lease, TimeSpan ttlRemaining, TimeSpan timeToLive, string serverInstance)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var wire = new V1.Lease
        {
            Id = lease.Id,
            Tenant = lease.Tenant,
            MemoryBytes = lease.MemoryBytes,
            ComputeMilli = lease.ComputeMilli,
            MemoryUsedBytes = lease.MemoryUsedBytes,
            Priority = (V1.LeasePriority)lease.Priority,
            Isolation = (V1.LeaseIsolation)lease.Isolation,
            HardCap = lease.HardCap,
            GrantedAtUnixMs = ToUnixMs(lease.GrantedAt),
            ExpiresAtUnixMs = ToUnixMs(lease.ExpiresAt),
            TtlRemainingMs = Math.Max(0, (long)ttlRemaining.TotalMilliseconds),
            TimeToLiveMs = (long)timeToLive.TotalMilliseconds,
            FencingToken = lease.FencingToken,
            ServerInstance = serverInstance,
        };
        foreach (var device in lease.Devices)
        {
            wire.Devices.Add(ToWire(device));
        }

        return wire;
    }

    /// <summary>A lease message to the SDK's snapshot.</summary>
    public static LeaseInfo FromWire(V1.Lease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return new LeaseInfo
        {
            Id = lease.Id,
            Tenant = lease.Tenant,
            Devices = [.. lease.Devices.Select(FromWire)],
            MemoryBytes = lease.MemoryBytes,
            ComputeMilli = lease.ComputeMilli,
            MemoryUsedBytes = lease.MemoryUsedBytes,
            Priority = (LeasePriority)lease.Priority,
            Isolation = (LeaseIsolation)lease.Isolation,
            HardCap = lease.HardCap,
            GrantedAt = DateTimeOffset.FromUnixTimeMilliseconds(lease.GrantedAtUnixMs),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(lease.ExpiresAtUnixMs),
            FencingToken = lease.FencingToken,
        };
    }

    /// <summary>A tensor to its message, without copying the elements.</summary>
    public static V1.Tensor ToWire(TensorValue tensor) => TensorCodec.ToMessage(tensor);

    /// <summary>A tensor message to a tensor over the message's bytes (no copy).</summary>
    /// <exception cref="InvalidPoolRequestException">The element type is unknown or the data does not match the shape.</exception>
    public static TensorValue FromWire(V1.Tensor tensor) => TensorCodec.FromMessage(tensor);

    /// <summary>Named tensors to a message map.</summary>
    public static void ToWire(IReadOnlyDictionary<string, TensorValue> tensors, Google.Protobuf.Collections.MapField<string, V1.Tensor> target) =>
        TensorCodec.ToMessages(tensors, target);

    /// <summary>A message map to named tensors.</summary>
    /// <exception cref="InvalidPoolRequestException">A tensor is malformed (the message names it).</exception>
    public static Dictionary<string, TensorValue> FromWire(Google.Protobuf.Collections.MapField<string, V1.Tensor> tensors) => TensorCodec.FromMessages(tensors);

    /// <summary>A tensor description to its message.</summary>
    public static V1.TensorInfo ToWire(TensorInfo info) => TensorCodec.ToMessage(info);

    /// <summary>A tensor description message to the SDK's type.</summary>
    public static TensorInfo FromWire(V1.TensorInfo info) => TensorCodec.FromMessage(info);

    /// <summary>An inventory to its message.</summary>
    public static V1.Inventory ToWire(PoolInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        var wire = new V1.Inventory { TakenAtUnixMs = ToUnixMs(inventory.TakenAt) };
        foreach (var status in inventory.Devices)
        {
            wire.Devices.Add(new V1.DeviceStatus
            {
                Device = ToWire(status.Device),
                AllocatedMemoryBytes = status.AllocatedMemoryBytes,
                AllocatedMilli = status.AllocatedMilli,
                ExternalMemoryBytes = status.ExternalMemoryBytes,
                ActiveLeases = status.ActiveLeases,
                Draining = status.Draining,
                ChargedMemoryBytes = status.ChargedMemoryBytes,
                ModelMemoryBytes = status.ModelMemoryBytes,
            });
        }

        return wire;
    }

    /// <summary>An inventory message to the SDK's snapshot.</summary>
    public static PoolInventory FromWire(V1.Inventory inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        return new PoolInventory
        {
            TakenAt = DateTimeOffset.FromUnixTimeMilliseconds(inventory.TakenAtUnixMs),
            Devices = [.. inventory.Devices.Select(d => new DeviceStatus
            {
                Device = FromWire(d.Device ?? new V1.Device()),
                AllocatedMemoryBytes = d.AllocatedMemoryBytes,
                AllocatedMilli = d.AllocatedMilli,
                ExternalMemoryBytes = d.ExternalMemoryBytes,
                ActiveLeases = d.ActiveLeases,
                Draining = d.Draining,
                ChargedMemoryBytes = d.ChargedMemoryBytes,
                ModelMemoryBytes = d.ModelMemoryBytes,
            })],
        };
    }

    /// <summary>A lost reason to its message value.</summary>
    public static V1.LeaseLostReason ToWire(LeaseLostReason reason) => (V1.LeaseLostReason)reason;

    /// <summary>A lost reason message value to the SDK's enum (unknown values read as <see cref="LeaseLostReason.None"/>).</summary>
    public static LeaseLostReason FromWire(V1.LeaseLostReason reason) =>
        Enum.IsDefined((LeaseLostReason)reason) ? (LeaseLostReason)reason : LeaseLostReason.None;

    /// <summary>A model format to its message value.</summary>
    public static V1.ModelFormat ToWire(ModelFormat format) => (V1.ModelFormat)format;

    /// <summary>A model format message value to the SDK's enum.</summary>
    /// <exception cref="InvalidPoolRequestException">The value is not a known format.</exception>
    public static ModelFormat FromWire(V1.ModelFormat format) =>
        Enum.IsDefined((ModelFormat)format) ? (ModelFormat)format : throw new InvalidPoolRequestException($"Model format {(int)format} is not defined.");
}
