using System.Reflection;

namespace GpuPool.Server.Inference;

/// <summary>What ServerMetadata and <c>GET /v2</c> answer.</summary>
internal static class ServerMetadataInfo
{
    public const string Name = "gpupool";

    /// <summary>The platform of ONNX models, as Triton names it.</summary>
    public const string OnnxPlatform = "onnxruntime_onnx";

    /// <summary>The protocol extensions served.</summary>
    public static readonly IReadOnlyList<string> Extensions = ["model_repository", "statistics", "binary_tensor_data", "model_configuration"];

    public static string Version { get; } =
        typeof(ServerMetadataInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
