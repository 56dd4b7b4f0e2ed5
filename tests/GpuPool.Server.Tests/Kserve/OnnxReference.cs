using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>Runs a model with ONNX Runtime in the test process: what the server's answers are compared with.</summary>
internal static class OnnxReference
{
    public static float[] Run(byte[] model, string input, float[] values, params int[] shape)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(values, shape))]);
        return results[0].AsTensor<float>().ToArray();
    }
}
