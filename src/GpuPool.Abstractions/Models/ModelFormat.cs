namespace GpuPool;

/// <summary>The file format of a model.</summary>
public enum ModelFormat
{
    /// <summary>Detect from the content (ONNX protobuf or a TorchScript zip archive).</summary>
    Auto = 0,

    /// <summary>An ONNX model, run with ONNX Runtime.</summary>
    Onnx = 1,

    /// <summary>A TorchScript archive, run with TorchSharp.</summary>
    TorchScript = 2,

    /// <summary>A native cuBLAS matrix-product workload (GPU checks and benchmarks).</summary>
    CublasGemm = 3,
}
