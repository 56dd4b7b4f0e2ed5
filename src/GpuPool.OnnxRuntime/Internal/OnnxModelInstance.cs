using GpuPool.Runtime.Models;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>One ONNX Runtime session. Runs may be concurrent (InferenceSession.Run is thread-safe).</summary>
internal sealed class OnnxModelInstance : IModelInstance
{
    private readonly InferenceSession _session;
    private readonly string[] _outputNames;

    public OnnxModelInstance(InferenceSession session)
    {
        _session = session;
        Inputs = [.. session.InputMetadata.Select(kv => Describe(kv.Key, kv.Value))];
        Outputs = [.. session.OutputMetadata.Select(kv => Describe(kv.Key, kv.Value))];
        _outputNames = [.. session.OutputMetadata.Keys];
    }

    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
    {
        var values = new Dictionary<string, OrtValue>(inputs.Count, StringComparer.Ordinal);
        try
        {
            foreach (var (name, tensor) in inputs)
            {
                values.Add(name, OnnxTensors.ToOrt(tensor));
            }

            using var runOptions = new RunOptions();
            IDisposableReadOnlyCollection<OrtValue> results;
            try
            {
                results = _session.Run(runOptions, values, _outputNames);
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
                    outputs.Add(_outputNames[i++], OnnxTensors.ToPool(result));
                }

                return outputs;
            }
        }
        finally
        {
            foreach (var value in values.Values)
            {
                value.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();

    private static TensorInfo Describe(string name, NodeMetadata metadata) =>
        new(name, OnnxTypes.ToPool(metadata.ElementDataType), [.. metadata.Dimensions.Select(d => (long)d)]);
}
