using System.Buffers;
using GpuPool.Runtime.Models;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// One ONNX Runtime session. Runs may be concurrent (InferenceSession.Run is thread-safe); each takes a spare
/// <see cref="OnnxInputBinding"/> (or makes one), so that a tensor run again is not wrapped again.
/// </summary>
internal sealed class OnnxModelInstance : IModelInstance
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly OnnxOutputTargets _outputTargets;

    // Whether outputs may be pre-allocated: numeric tensors on the CPU provider, none of them a graph input (ONNX Runtime
    // hands an input that is also an output back as it is, without writing a pre-allocated value); cleared for good
    // when ONNX Runtime refuses a pre-allocated output's shape.
    private bool _preallocate;

    // As many spare bindings as runs are likely at once on one model; more concurrent runs make their own.
    private readonly OnnxInputBinding?[] _spares = new OnnxInputBinding?[Math.Clamp(Environment.ProcessorCount, 1, 4)];

    // Runs only read their options (no run is ever terminated through them), so one serves every run.
    private readonly RunOptions _runOptions = new();

    /// <param name="session">The session, owned from now on.</param>
    /// <param name="cpuProvider">Whether the session runs on ONNX Runtime's CPU provider only (outputs may then be pre-allocated).</param>
    public OnnxModelInstance(InferenceSession session, bool cpuProvider = true)
    {
        _session = session;
        Inputs = [.. session.InputMetadata.Select(kv => Describe(kv.Key, kv.Value))];
        Outputs = [.. session.OutputMetadata.Select(kv => Describe(kv.Key, kv.Value))];
        _inputNames = [.. session.InputMetadata.Keys];
        _outputNames = [.. session.OutputMetadata.Keys];
        _outputIndex = _outputNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        _outputTargets = new OnnxOutputTargets(session, _outputNames);
        _preallocate = cpuProvider && _outputNames.Length > 0 && session.OutputMetadata.Values.All(o => o.IsTensor && o.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String)
            && !_outputNames.Any(name => session.InputMetadata.ContainsKey(name) || session.OverridableInitializerMetadata.ContainsKey(name));
    }

    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
    {
        if (inputs is TargetedRunInputs)
        {
            return RunByName(inputs); // outputs go to the client's shared memory: written there in place where they can be
        }

        var binding = RentBinding();
        try
        {
            if (binding.TryRun(inputs, this, out var outputs))
            {
                return outputs;
            }
        }
        finally
        {
            ReturnBinding(binding);
        }

        return RunByName(inputs);
    }

    /// <summary>How many runs ONNX Runtime wrote into pre-allocated outputs, as far as the spare bindings count (for tests; read while no run is in flight).</summary>
    internal long PreallocatedRuns => _spares.Sum(spare => spare?.PreallocatedRuns ?? 0);

    /// <summary>
    /// A run of inputs bound by an <see cref="OnnxInputBinding"/> (pinned while it lasts), read into tensors. When the
    /// inputs have the shapes of the binding's last run, its outputs are pre-allocated with the shapes that run gave
    /// (<see cref="PreallocatedOutputs"/>): made after the second run of the same shapes, dropped when a shape changes.
    /// If ONNX Runtime refuses such a run and then takes the same inputs the usual way, an output's shape depends on
    /// more than the inputs' shapes: this model's outputs are no longer pre-allocated. If the usual run fails too, its
    /// error is the run's, as without pre-allocation.
    /// </summary>
    internal OutputTensors RunBound(OnnxInputBinding binding)
    {
        var refused = false;
        if (binding.Outputs is not null && !Volatile.Read(ref _preallocate))
        {
            binding.KeepOutputs(null); // another binding's run found that this model's outputs cannot be pre-allocated
        }
        else if (binding.SameShapes && binding.Outputs is { } preallocated)
        {
            try
            {
                _session.Run(_runOptions, binding.Names, binding.Values, _outputNames, preallocated.Values);
                binding.PreallocatedRuns++;
                return new OutputTensors(_outputNames, _outputIndex, preallocated.Read());
            }
            catch (OnnxRuntimeException)
            {
                refused = true;
            }
        }

        var outputs = Read(Run(binding.ByName));
        if (refused)
        {
            Volatile.Write(ref _preallocate, false);
            binding.KeepOutputs(null);
        }
        else if (binding.SameShapes && binding.Outputs is null && Volatile.Read(ref _preallocate))
        {
            binding.KeepOutputs(PreallocatedOutputs.TryCreate(outputs.Tensors));
        }

        return outputs;
    }

    public void Dispose()
    {
        _session.Dispose();
        for (var i = 0; i < _spares.Length; i++)
        {
            Interlocked.Exchange(ref _spares[i], null)?.Dispose();
        }

        _runOptions.Dispose();
    }

    private static TensorInfo Describe(string name, NodeMetadata metadata) =>
        new(name, OnnxTypes.ToPool(metadata.ElementDataType), [.. metadata.Dimensions.Select(d => (long)d)]);

    /// <summary>Inputs that are not exactly the declared ones (the model's own check then names the problem): wrapped for this run only.</summary>
    private IReadOnlyDictionary<string, TensorValue> RunByName(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        var names = new string[inputs.Count];
        var values = new OrtValue[inputs.Count];
        var pins = new MemoryHandle[inputs.Count];
        var made = 0;
        var targets = (inputs as TargetedRunInputs)?.Targets;
        try
        {
            foreach (var (name, tensor) in inputs)
            {
                names[made] = name;
                values[made] = OnnxTensors.Wrap(tensor, out pins[made]);
                made++;
            }

            if (targets is null)
            {
                return Read(Run(names, values));
            }

            try
            {
                if (_outputTargets.TryRunInto(_session, _runOptions, names, values, inputs, targets) is { } written)
                {
                    return written;
                }
            }
            catch (OnnxRuntimeException ex)
            {
                throw Rejected(ex);
            }

            using (var results = Run(names, values))
            {
                var outputs = new Dictionary<string, TensorValue>(_outputNames.Length, StringComparer.Ordinal);
                var i = 0;
                foreach (var result in results)
                {
                    outputs.Add(_outputNames[i], OnnxOutputTargets.ToPool(_outputNames[i], result, targets));
                    i++;
                }

                return outputs;
            }
        }
        finally
        {
            OnnxTensors.Release(values, made, pins);
        }
    }

    private IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyCollection<string> names, IReadOnlyCollection<OrtValue> values)
    {
        try
        {
            return _session.Run(_runOptions, names, values, _outputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            throw Rejected(ex);
        }
    }

    private IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyDictionary<string, OrtValue> inputs)
    {
        try
        {
            return _session.Run(_runOptions, inputs, _outputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            throw Rejected(ex);
        }
    }

    private static InvalidPoolRequestException Rejected(OnnxRuntimeException ex) => new($"The model rejected the inputs: {ex.Message}", null, ex);

    private OutputTensors Read(IDisposableReadOnlyCollection<OrtValue> results)
    {
        using (results)
        {
            var values = new TensorValue[_outputNames.Length];
            if (results is IReadOnlyList<OrtValue> list)
            {
                // By index: no enumerator per run (ONNX Runtime returns a list).
                for (var i = 0; i < values.Length; i++)
                {
                    // The shape is asked of every value: a model's declared output shapes are not always its real ones.
                    values[i] = OnnxTensors.ToPool(list[i]);
                }
            }
            else
            {
                var i = 0;
                foreach (var result in results)
                {
                    values[i++] = OnnxTensors.ToPool(result);
                }
            }

            return new OutputTensors(_outputNames, _outputIndex, values);
        }
    }

    private OnnxInputBinding RentBinding()
    {
        for (var i = 0; i < _spares.Length; i++)
        {
            if (Volatile.Read(ref _spares[i]) is not null && Interlocked.Exchange(ref _spares[i], null) is { } spare)
            {
                return spare;
            }
        }

        return new OnnxInputBinding(_inputNames);
    }

    private void ReturnBinding(OnnxInputBinding binding)
    {
        for (var i = 0; i < _spares.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _spares[i], binding, null) is null)
            {
                return;
            }
        }

        binding.Dispose();
    }
}
