using System.Reflection;

namespace GpuPool.PublicApi.Tests;

/// <summary>
/// Each package's public API is approved in <c>api/&lt;assembly&gt;.txt</c>, so a change to it shows in review.
/// A change fails this test and writes <c>api/&lt;assembly&gt;.received.txt</c>; to accept it, run the tests
/// with <c>GPUPOOL_ACCEPT_API=1</c> (or copy the received file over the approved one) and commit the diff.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Packages =>
    [
        "GpuPool.Abstractions",
        "GpuPool.Client",
        "GpuPool.Protocol",
        "GpuPool.Runtime",
        "GpuPool.OnnxRuntime",
        "GpuPool.Cublas",
        "GpuPool.Server",
        "GpuPool.Testing",
        "GpuPool.TorchSharp",
        "GpuPool.Worker",
    ];

    [Theory]
    [MemberData(nameof(Packages))]
    public void PublicApi_OfPackage_MatchesTheApprovedFile(string package)
    {
        var actual = PublicApiWriter.Write(Assembly.Load(new AssemblyName(package)));
        var approved = Path.Combine(ApiDirectory(), package + ".txt");
        var received = Path.Combine(ApiDirectory(), package + ".received.txt");
        if (Environment.GetEnvironmentVariable("GPUPOOL_ACCEPT_API") == "1")
        {
            File.WriteAllText(approved, actual);
        }

        var expected = File.Exists(approved) ? File.ReadAllText(approved) : "";
        if (expected != actual)
        {
            File.WriteAllText(received, actual);
        }
        else if (File.Exists(received))
        {
            File.Delete(received);
        }

        Assert.True(expected == actual, $"The public API of {package} changed: compare {received} with {approved}; accept it with GPUPOOL_ACCEPT_API=1.");
    }

    private static string ApiDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GpuPool.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("GpuPool.sln not found above the test's directory."), "tests", "GpuPool.PublicApi.Tests", "api");
    }
}
