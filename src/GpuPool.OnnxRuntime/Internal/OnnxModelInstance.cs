using System.Buffers;
using GpuPool.Runtime.Models;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>One ONNX Runtime session. Runs may be concurrent (InferenceSession.Run is thread-safe).</summary>
internal sealed class OnnxModelInstance : IModelInstance
{
    private readonly InferenceSession _session;
    private readonly string[] _outputNames;
    private readonly OnnxOutputTargets _outputTargets;

    // Runs only read their options (no run is ever terminated through them), so one serves every run.
    private readonly RunOptions _runOptions = new();

    public OnnxModelInstance(InferenceSession session)
    {
        _session = session;
        Inputs = [.. session.InputMetadata.Select(kv => Describe(kv.Key, kv.Value))];
        Outputs = [.. session.OutputMetadata.Select(kv => Describe(kv.Key, kv.Value))];
        _outputNames = [.. session.OutputMetadata.Keys];
        _outputTargets = new OnnxOutputTargets(session, _outputNames);
    }

    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
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

            IDisposableReadOnlyCollection<OrtValue> results;
            try
            {
                if (targets is not null && _outputTargets.TryRunInto(_session, _runOptions, names, values, inputs, targets) is { } written)
                {
                    return written;
                }

                results = _session.Run(_runOptions, names, values, _outputNames);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new InvalidPoolRequestException($"The model rejected the inputs: {ex.Message}", null, ex);
            }

            using (results)
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
            for (var i = 0; i < made; i++)
            {
                values[i].Dispose();
            }

            // Every pin, also one taken by a Wrap that then failed (an unset pin disposes as a no-op).
            foreach (var pin in pins)
            {
                pin.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static TensorInfo Describe(string name, NodeMetadata metadata) =>
        new(name, OnnxTypes.ToPool(metadata.ElementDataType), [.. metadata.Dimensions.Select(d => (long)d)]);
}
