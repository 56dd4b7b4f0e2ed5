using GpuPool.Cli.Running;
using GpuPool.Cli.Tests.Support;

namespace GpuPool.Cli.Tests;

/// <summary>The variables 'run' gives its program for NVIDIA leases, with and without MPS.</summary>
public sealed class LeaseEnvironmentTests
{
    private static readonly FakeLease TwoGpus = new([FakeLease.Gpu("nvidia0", "GPU-aaa"), FakeLease.Gpu("nvidia1", "GPU-bbb")], 20L << 30, 250);

    [Fact]
    public void For_NvidiaLeaseWithMps_UuidsMpsLimitsAndFraction()
    {
        var variables = LeaseEnvironment.For(TwoGpus, "http://pool:7070", MpsMode.On, _ => null, _ => false);

        Assert.Equal("GPU-aaa,GPU-bbb", variables[LeaseEnvironment.CudaVisibleDevices]);
        Assert.Equal("0=20480M,1=20480M", variables[LeaseEnvironment.MpsMemoryLimit]);
        Assert.Equal("25", variables[LeaseEnvironment.MpsThreadPercentage]);
        Assert.Equal("0.25", variables[LeaseEnvironment.MemoryFraction]);
        Assert.Equal("nvidia0,nvidia1", variables[LeaseEnvironment.Devices]);
        Assert.True(variables.ContainsKey(LeaseEnvironment.PyTorchAllocator));
    }

    [Fact]
    public void For_MpsAutoWithoutDaemon_NoMpsLimits()
    {
        var variables = LeaseEnvironment.For(TwoGpus, "http://pool:7070", MpsMode.Auto, _ => null, _ => false);

        Assert.False(variables.ContainsKey(LeaseEnvironment.MpsMemoryLimit));
        Assert.False(variables.ContainsKey(LeaseEnvironment.MpsThreadPercentage));
    }

    [Fact]
    public void For_MpsAutoWithPipeDirectory_MpsLimitsAndUsersAllocatorSettingKept()
    {
        var current = new Dictionary<string, string> { ["CUDA_MPS_PIPE_DIRECTORY"] = "/run/mps", [LeaseEnvironment.PyTorchAllocator] = "max_split_size_mb:128" };

        var variables = LeaseEnvironment.For(TwoGpus, "http://pool:7070", MpsMode.Auto, name => current.GetValueOrDefault(name), _ => false);

        Assert.Equal("25", variables[LeaseEnvironment.MpsThreadPercentage]);
        Assert.False(variables.ContainsKey(LeaseEnvironment.PyTorchAllocator));
    }
}
