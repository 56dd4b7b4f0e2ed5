using System.IO.MemoryMappedFiles;
using GpuPool.Diagnostics;
using GpuPool.Protocol.Conversion;
using GpuPool.Remote;
using GpuPool.SharedMemory;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool;

/// <summary>Shared memory with a pool server on this machine: tensors by reference instead of over the connection (docs/shared-memory.md).</summary>
public static class SharedMemoryExtensions
{
    private static long _regions;

    /// <summary>
    /// Creates <paramref name="byteSize"/> bytes of shared memory (a sealed memfd) and registers it against
    /// <paramref name="lease"/>, whose server must run on this machine. The region lives until disposed or until the lease ends.
    /// </summary>
    /// <exception cref="NotSupportedException">The lease is not a pool server's (an embedded lease runs in this process already).</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="InvalidPoolRequestException">The server cannot map the region (another machine, say).</exception>
    public static async ValueTask<SharedMemoryRegion> CreateSharedMemoryAsync(this GpuLease lease, long byteSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(byteSize);
        if (lease is not RemoteLease remote)
        {
            throw new NotSupportedException("Shared-memory regions are for leases of a pool server on this machine; an embedded lease runs in this process already.");
        }

        remote.EnsureActive();
        var name = $"region-{Interlocked.Increment(ref _regions)}";
        var (handle, path) = MemfdFile.Create($"gpupool-{name}", byteSize);
        MemoryMappedFile map;
        try
        {
            map = MemoryMappedFile.CreateFromFile(handle, mapName: null, capacity: 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        var region = new SharedMemoryRegion(remote, name, path, map, byteSize);
        try
        {
            var request = new V1.RegisterRegionRequest { LeaseId = remote.Id, Name = name, Path = path, ByteSize = byteSize };
            await remote.CallAsync((c, ct) => c.SharedMemory.RegisterAsync(request, c.Options(ct)).ResponseAsync, cancellationToken).ConfigureAwait(false);
            return region;
        }
        catch
        {
            await region.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="model"/> with inputs read from shared memory and the outputs named in
    /// <paramref name="outputs"/> written into it. The result holds every output: those in shared memory as
    /// tensors over the region's bytes (no copy; valid until the region is disposed or written again), the rest by value.
    /// </summary>
    /// <exception cref="ArgumentException">The tensors' regions belong to another lease than the model's.</exception>
    /// <exception cref="InvalidPoolRequestException">A reference is outside its region, or an output does not fit.</exception>
    public static async ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(this PooledModel model, IReadOnlyDictionary<string, SharedTensor> inputs, IReadOnlyDictionary<string, SharedTensor> outputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var lease = inputs.Values.Concat(outputs.Values).FirstOrDefault()?.Region.RemoteLease
            ?? throw new ArgumentException("Name at least one tensor in shared memory.", nameof(inputs));
        var request = new V1.RunRequest { LeaseId = lease.Id, ModelId = model.Id };
        foreach (var (name, tensor) in inputs)
        {
            request.SharedInputs[name] = ToWire(tensor, lease);
        }

        foreach (var (name, tensor) in outputs)
        {
            request.SharedOutputs[name] = ToWire(tensor, lease);
        }

        using var activity = ClientActivity.Start(GpuPoolInstruments.RunSpan);
        try
        {
            // By reference the request is small: it goes over the run stream like any small run.
            var size = request.CalculateSize();
            var response = await lease.CallAsync((c, ct) => RemoteModel.RunOnAsync(c, request, size, ct), cancellationToken).ConfigureAwait(false);
            var result = WireFormat.FromWire(response.Outputs);
            foreach (var (name, written) in response.SharedOutputs)
            {
                var region = outputs[name].Region;
                result[name] = new TensorValue((TensorDataType)written.ElementType, [.. written.Shape], region.GetMemory(written.Offset, checked((int)written.ByteSize)));
            }

            return result;
        }
        catch (Exception ex) when (ClientActivity.Failed(activity, ex))
        {
            throw;
        }
    }

    private static V1.SharedTensorRef ToWire(SharedTensor tensor, RemoteLease lease)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!ReferenceEquals(tensor.Region.RemoteLease, lease))
        {
            throw new ArgumentException($"Region '{tensor.Region.Name}' belongs to lease {tensor.Region.Lease.Id}, not {lease.Id}: a run names regions of one lease.");
        }

        var wire = new V1.SharedTensorRef { Region = tensor.Region.Name, Offset = tensor.Offset, ByteSize = tensor.ByteSize, ElementType = (V1.TensorElementType)tensor.ElementType };
        wire.Shape.AddRange(tensor.Shape);
        return wire;
    }
}
