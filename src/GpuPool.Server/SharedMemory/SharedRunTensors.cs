using Google.Protobuf.Collections;
using GpuPool.OnnxRuntime.Internal;
using GpuPool.Protocol.Conversion;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.SharedMemory;

/// <summary>
/// The shared-memory side of one run: inputs read in place from the lease's regions, outputs written into them —
/// by the model itself where the backend can (<see cref="WithOutputTargets"/>), otherwise copied once after the run.
/// Holds every region it touches until disposed, so that a region unregistered during the run stays mapped
/// until the run is done with it.
/// </summary>
internal sealed class SharedRunTensors : IDisposable
{
    private readonly List<MappedRegion> _held = [];
    private readonly List<(string Name, MappedRegion Region, V1.SharedTensorRef Reference, Memory<byte> Target)> _outputs = [];
    private readonly List<(MappedRegion Region, long Offset, long Length)> _inputRanges = [];

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

                var inputRegion = run.Hold(registry, request.LeaseId, reference.Region);
                var bytes = inputRegion.Slice(reference.Offset, reference.ByteSize, $"Input '{name}'");
                run._inputRanges.Add((inputRegion, reference.Offset, reference.ByteSize));
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
    /// The run's inputs, carrying the outputs' ranges as targets the model may write into during the run
    /// (<see cref="TargetedRunInputs"/>). An output range that overlaps an input or another output is left out:
    /// it is written after the run, as before, so a model never reads bytes it is overwriting.
    /// </summary>
    public IReadOnlyDictionary<string, TensorValue> WithOutputTargets(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        Dictionary<string, Memory<byte>>? targets = null;
        foreach (var (name, region, reference, target) in _outputs)
        {
            if (!OverlapsAnotherRange(region, reference))
            {
                (targets ??= new(StringComparer.Ordinal))[name] = target;
            }
        }

        return targets is null ? inputs : new TargetedRunInputs(inputs, targets);
    }

    /// <summary>
    /// Copies the outputs the request asked for into their regions (unless the model wrote them there), describes them in <paramref name="response"/>,
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

            if (!TargetedRunInputs.IsIn(value, target))
            {
                value.Data.Span.CopyTo(target.Span);
            }

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

    private bool OverlapsAnotherRange(MappedRegion region, V1.SharedTensorRef output)
    {
        static bool Overlap(long a, long aLength, long b, long bLength) => a < b + bLength && b < a + aLength;

        foreach (var (inputRegion, offset, length) in _inputRanges)
        {
            if (ReferenceEquals(inputRegion, region) && Overlap(output.Offset, output.ByteSize, offset, length))
            {
                return true;
            }
        }

        foreach (var (_, other, reference, _) in _outputs)
        {
            if (!ReferenceEquals(reference, output) && ReferenceEquals(other, region) && Overlap(output.Offset, output.ByteSize, reference.Offset, reference.ByteSize))
            {
                return true;
            }
        }

        return false;
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
