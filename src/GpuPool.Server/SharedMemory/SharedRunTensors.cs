using Google.Protobuf.Collections;
using GpuPool.Protocol.Conversion;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.SharedMemory;

/// <summary>
/// The shared-memory side of one run: inputs read in place from the lease's regions, outputs copied into them.
/// Holds every region it touches until disposed, so that a region unregistered during the run stays mapped
/// until the run is done with it.
/// </summary>
internal sealed class SharedRunTensors : IDisposable
{
    private readonly List<MappedRegion> _held = [];
    private readonly List<(string Name, MappedRegion Region, V1.SharedTensorRef Reference, Memory<byte> Target)> _outputs = [];

    private SharedRunTensors()
    {
    }

    /// <summary>
    /// Adds the request's shared inputs to <paramref name="inputs"/> and checks its shared outputs' ranges;
    /// throws (holding nothing) when a reference is bad.
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">A range is outside its region, a tensor does not match its bytes, or an input is named twice.</exception>
    /// <exception cref="Errors.ServerErrorException">NOT_FOUND: the lease has no such region.</exception>
    public static SharedRunTensors Bind(SharedMemoryRegistry registry, V1.RunRequest request, Dictionary<string, TensorValue> inputs)
    {
        var run = new SharedRunTensors();
        try
        {
            var views = new MapField<string, V1.Tensor>();
            foreach (var (name, reference) in request.SharedInputs)
            {
                if (inputs.ContainsKey(name))
                {
                    throw new InvalidPoolRequestException($"Input '{name}' is both in inputs and in shared_inputs.");
                }

                var bytes = run.Hold(registry, request.LeaseId, reference.Region).Slice(reference.Offset, reference.ByteSize, $"Input '{name}'");
                var view = new V1.Tensor { ElementType = reference.ElementType, Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(bytes) };
                view.Shape.AddRange(reference.Shape);
                views[name] = view;
            }

            foreach (var (name, value) in WireFormat.FromWire(views))
            {
                inputs[name] = value;
            }

            foreach (var (name, reference) in request.SharedOutputs)
            {
                var region = run.Hold(registry, request.LeaseId, reference.Region);
                run._outputs.Add((name, region, reference, region.Slice(reference.Offset, reference.ByteSize, $"Output '{name}'")));
            }

            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the outputs the request asked for into their regions, describes them in <paramref name="response"/>,
    /// and returns the outputs left to send by value.
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">The model has no such output, or it does not fit its range.</exception>
    public IReadOnlyDictionary<string, TensorValue> WriteOutputs(IReadOnlyDictionary<string, TensorValue> outputs, V1.RunResponse response)
    {
        if (_outputs.Count == 0)
        {
            return outputs;
        }

        var rest = new Dictionary<string, TensorValue>(outputs, StringComparer.Ordinal);
        foreach (var (name, region, reference, target) in _outputs)
        {
            if (!rest.Remove(name, out var value))
            {
                throw new InvalidPoolRequestException($"shared_outputs names '{name}', which the model does not return.");
            }

            if (value.Data.Length > target.Length)
            {
                throw new InvalidPoolRequestException($"Output '{name}' is {value.Data.Length} bytes; its range in region '{region.Key.Name}' holds {target.Length}.");
            }

            value.Data.Span.CopyTo(target.Span);
            var written = new V1.SharedTensorRef
            {
                Region = reference.Region,
                Offset = reference.Offset,
                ByteSize = value.Data.Length,
                ElementType = (V1.TensorElementType)value.ElementType,
            };
            written.Shape.AddRange(value.Shape);
            response.SharedOutputs[name] = written;
        }

        return rest;
    }

    private MappedRegion Hold(SharedMemoryRegistry registry, string leaseId, string name)
    {
        foreach (var held in _held)
        {
            if (string.Equals(held.Key.Name, name, StringComparison.Ordinal))
            {
                return held;
            }
        }

        var region = registry.Acquire(leaseId, name);
        _held.Add(region);
        return region;
    }

    public void Dispose()
    {
        foreach (var region in _held)
        {
            region.Release();
        }

        _held.Clear();
    }
}
