using GpuPool.Testing.Onnx;

namespace GpuPool.Benchmarks.LargeTensors;

/// <summary>
/// An identity-like model for moving tensors: <c>y = relu(x)</c> over a float vector of any length. With
/// non-negative inputs the output equals the input, so a run costs one pass over the data and the rest is transport.
/// </summary>
internal static class IdentityModel
{
    public static byte[] Build() => new OnnxGraphBuilder("identity-like")
        .Input("x", "n")
        .Output("y", "n")
        .Node("Relu", ["x"], ["y"])
        .Build();

    /// <summary>Non-negative floats filling <paramref name="bytes"/> bytes, as the input <c>x</c>.</summary>
    public static TensorValue Input(int bytes)
    {
        var values = new float[bytes / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i % 1024;
        }

        return TensorValue.FromArray(values, values.Length);
    }
}
