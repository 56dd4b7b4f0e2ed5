using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.TorchSharp.Tests.Support;

/// <summary>A real embedded pool (CPU device plus simulated GPUs) with the TorchScript and ONNX backends.</summary>
internal static class TorchPool
{
    public const string Node = "torch-test-node";

    public static ServiceProvider Provider()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddTorchSharp().AddOnnxRuntime().ConfigureRuntime(o =>
        {
            o.NodeName = Node;
            o.Cpu.HostMemoryBytes = ByteSize.GiB(8);
            o.Nvidia.Enabled = false;
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
