using GpuPool.Samples.Models;
using GpuPool.Testing;

namespace GpuPool.Benchmarks.Memory;

/// <summary>A model of the memory-accounting benchmark: its bytes and the inputs of a typical run, given its declared inputs.</summary>
internal sealed record AccountingModel(string Name, Func<byte[]> Bytes, Func<IReadOnlyList<TensorInfo>, Dictionary<string, TensorValue>> Inputs)
{
    public static IReadOnlyList<AccountingModel> All { get; } =
    [
        new("mlp", () => TestModels.MatMulChain(192, 4), Zeros),
        new("minilm", MiniLm.LoadModelBytes, _ => MiniLm.Tokenize(["A pool charges each lease the memory its models really use."])),
        new("resnet18", () => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx")), Zeros),
    ];

    public static AccountingModel Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model '{name}'; one of: {string.Join(", ", All.Select(m => m.Name))}.");

    /// <summary>Zero inputs of the declared shapes, one row where the batch is dynamic.</summary>
    private static Dictionary<string, TensorValue> Zeros(IReadOnlyList<TensorInfo> inputs) =>
        inputs.ToDictionary(
            i => i.Name,
            i =>
            {
                var shape = i.Shape.Select(d => d > 0 ? d : 1).ToArray();
                return new TensorValue(i.ElementType, shape, new byte[TensorValue.CountElements(shape) * TensorValue.SizeOf(i.ElementType)]);
            },
            StringComparer.Ordinal);
}
