using GpuPool.Testing;

namespace GpuPool.TorchSharp.Tests.Support;

/// <summary>TorchScript archives written from C#, with the same weights and arithmetic as <see cref="TestModels"/>.</summary>
internal static class TorchScriptTestModels
{
    /// <summary>The TorchScript twin of <see cref="TestModels.Linear"/>: <c>y = relu(x · W + b)</c>, x [batch, in] → y [batch, out].</summary>
    public static byte[] Linear(int inFeatures, int outFeatures, int seed = 1, bool withSignature = true)
    {
        var (w, b) = TestModels.LinearWeights(inFeatures, outFeatures, seed);
        var writer = new TorchScriptArchiveWriter("Linear")
            .Parameter("weight", w, inFeatures, outFeatures)
            .Parameter("bias", b, outFeatures)
            .Forward("""
                  def forward(self: __torch__.Linear,
                    x: Tensor) -> Tensor:
                    _0 = torch.add(torch.matmul(x, self.weight), self.bias)
                    return torch.relu(_0)

                """);
        if (withSignature)
        {
            writer.Extra(TorchScriptSignature.FileName, Json(
                [new TensorInfo("x", TensorDataType.Float32, [-1, inFeatures])],
                [new TensorInfo("y", TensorDataType.Float32, [-1, outFeatures])]));
        }

        return writer.Build();
    }

    /// <summary>
    /// Two inputs and two outputs: forward(a, b) returns (a + scale · b, a · b), with a parameter <c>scale</c> [n].
    /// The signature lists the inputs in the opposite order to forward(), so names must decide the mapping.
    /// </summary>
    public static byte[] SumAndProduct(int n, float[] scale) =>
        new TorchScriptArchiveWriter("SumAndProduct")
            .Parameter("scale", scale, n)
            .Forward("""
                  def forward(self: __torch__.SumAndProduct,
                    a: Tensor,
                    b: Tensor) -> Tuple[Tensor, Tensor]:
                    _0 = torch.add(a, torch.mul(b, self.scale))
                    return (_0, torch.mul(a, b))

                """)
            .Extra(TorchScriptSignature.FileName, Json(
                [new TensorInfo("b", TensorDataType.Float32, [n]), new TensorInfo("a", TensorDataType.Float32, [n])],
                [new TensorInfo("sum", TensorDataType.Float32, [n]), new TensorInfo("product", TensorDataType.Float32, [n])]))
            .Build();

    /// <summary>forward(x) returns a dict {"double": 2x, "square": x · x}, which TorchSharp cannot marshal.</summary>
    public static byte[] DictOutputs(int n) =>
        new TorchScriptArchiveWriter("DictOutputs")
            .Forward("""
                  def forward(self: __torch__.DictOutputs,
                    x: Tensor) -> Dict[str, Tensor]:
                    _0 = {"square": torch.mul(x, x), "double": torch.add(x, x)}
                    return _0

                """)
            .Extra(TorchScriptSignature.FileName, Json(
                [new TensorInfo("x", TensorDataType.Float32, [n])],
                [new TensorInfo("double", TensorDataType.Float32, [n]), new TensorInfo("square", TensorDataType.Float32, [n])]))
            .Build();

    private static string Json(TensorInfo[] inputs, TensorInfo[] outputs) =>
        System.Text.Encoding.UTF8.GetString(new TorchScriptSignature(inputs, outputs).ToJson());
}
