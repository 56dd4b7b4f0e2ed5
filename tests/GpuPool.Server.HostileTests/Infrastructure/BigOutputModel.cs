using GpuPool.Runtime.Models;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>The model of <see cref="BigOutputBackend"/>: a large output for any input, runs counted.</summary>
internal sealed class BigOutputModel(int outputBytes, Action counted) : IModelInstance
{
    private readonly byte[] _output = new byte[outputBytes];

    public IReadOnlyList<TensorInfo> Inputs { get; } = [new TensorInfo("x", TensorDataType.Float32, [1])];

    public IReadOnlyList<TensorInfo> Outputs { get; } = [new TensorInfo("y", TensorDataType.Float32, [outputBytes / 4])];

    public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
    {
        counted();
        return new Dictionary<string, TensorValue>(StringComparer.Ordinal) { ["y"] = new TensorValue(TensorDataType.Float32, [_output.Length / 4], _output) };
    }

    public void Dispose()
    {
    }
}
