using GpuPool.Testing.Onnx;

namespace GpuPool.Testing;

/// <summary>
/// Tiny ONNX models with known weights, and the same arithmetic in plain C# so tests can check a
/// model's outputs independently of any framework.
/// </summary>
public static class TestModels
{
    /// <summary>
    /// <c>y = relu(x · W + b)</c>: input <c>x</c> [batch, inFeatures], output <c>y</c> [batch, outFeatures],
    /// with a symbolic batch dimension (so it can be batched). Weights come from <see cref="Weights"/>.
    /// </summary>
    public static byte[] Linear(int inFeatures, int outFeatures, int seed = 1)
    {
        var (w, b) = LinearWeights(inFeatures, outFeatures, seed);
        return new OnnxGraphBuilder("linear")
            .Input("x", "batch", inFeatures)
            .Output("y", "batch", outFeatures)
            .Initializer("W", w, inFeatures, outFeatures)
            .Initializer("b", b, outFeatures)
            .Node("MatMul", ["x", "W"], ["xw"])
            .Node("Add", ["xw", "b"], ["xwb"])
            .Node("Relu", ["xwb"], ["y"])
            .Build();
    }

    /// <summary>The weights <see cref="Linear"/> uses.</summary>
    public static (float[] W, float[] B) LinearWeights(int inFeatures, int outFeatures, int seed = 1) =>
        (Weights(seed, inFeatures * outFeatures), Weights(seed + 7919, outFeatures));

    /// <summary><c>relu(x · W + b)</c> in plain C#, row-major.</summary>
    public static float[] LinearReference(float[] x, int batch, int inFeatures, int outFeatures, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (w, b) = LinearWeights(inFeatures, outFeatures, seed);
        var y = new float[batch * outFeatures];
        for (var n = 0; n < batch; n++)
        {
            for (var o = 0; o < outFeatures; o++)
            {
                var sum = 0f;
                for (var i = 0; i < inFeatures; i++)
                {
                    sum += x[(n * inFeatures) + i] * w[(i * outFeatures) + o];
                }

                y[(n * outFeatures) + o] = Math.Max(0f, sum + b[o]);
            }
        }

        return y;
    }

    /// <summary>
    /// A compute-heavy model: <paramref name="depth"/> square MatMuls of size <paramref name="size"/> with a
    /// symbolic batch dimension; input <c>x</c> [batch, size], output <c>y</c> [batch, size]. Its run time
    /// grows with size² × depth × batch, so benchmarks can pick a model that takes milliseconds.
    /// </summary>
    public static byte[] MatMulChain(int size, int depth, int seed = 3)
    {
        var builder = new OnnxGraphBuilder("matmul-chain").Input("x", "batch", size).Output("y", "batch", size);
        var previous = "x";
        for (var layer = 0; layer < depth; layer++)
        {
            // Scaled so that activations stay bounded through the chain.
            var w = Weights(seed + layer, size * size, 1f / MathF.Sqrt(size));
            builder.Initializer($"W{layer}", w, size, size);
            var output = layer == depth - 1 ? "y" : $"h{layer}";
            var product = $"p{layer}";
            builder.Node("MatMul", [previous, $"W{layer}"], [product]);
            builder.Node("Tanh", [product], [output]);
            previous = output;
        }

        return builder.Build();
    }

    /// <summary>
    /// A model on string tensors: input <c>text</c> (String [batch]) comes back unchanged as <c>echo</c>
    /// (ONNX Identity), and input <c>number</c> (String [batch], decimal numbers) comes back parsed as
    /// <c>value</c> (Float32 [batch], ONNX Cast to float).
    /// </summary>
    public static byte[] Strings() => new OnnxGraphBuilder("strings")
        .Input("text", TensorDataType.String, "batch")
        .Input("number", TensorDataType.String, "batch")
        .Output("echo", TensorDataType.String, "batch")
        .Output("value", TensorDataType.Float32, "batch")
        .Node("Identity", ["text"], ["echo"])
        .Node("Cast", ["number"], ["value"], new Dictionary<string, long> { ["to"] = OnnxGraphBuilder.OnnxElementType(TensorDataType.Float32) })
        .Build();

    /// <summary>
    /// A model on unsigned integers wider than 8 bits: <c>u16</c> (UInt16 [batch]) comes back unchanged as
    /// <c>u16_same</c>, <c>u32</c> and <c>u64</c> (UInt32/UInt64 [batch]) come back doubled as <c>u32_twice</c>
    /// and <c>u64_twice</c> (ONNX Add of the input to itself, wrapping as unsigned arithmetic does).
    /// </summary>
    public static byte[] UnsignedIntegers() => new OnnxGraphBuilder("unsigned")
        .Input("u16", TensorDataType.UInt16, "batch")
        .Input("u32", TensorDataType.UInt32, "batch")
        .Input("u64", TensorDataType.UInt64, "batch")
        .Output("u16_same", TensorDataType.UInt16, "batch")
        .Output("u32_twice", TensorDataType.UInt32, "batch")
        .Output("u64_twice", TensorDataType.UInt64, "batch")
        .Node("Identity", ["u16"], ["u16_same"])
        .Node("Add", ["u32", "u32"], ["u32_twice"])
        .Node("Add", ["u64", "u64"], ["u64_twice"])
        .Build();

    /// <summary>Deterministic pseudo-random weights in [-scale, scale).</summary>
    public static float[] Weights(int seed, int count, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }
}
