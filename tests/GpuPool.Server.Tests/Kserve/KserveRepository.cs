using System.Globalization;
using GpuPool.Testing;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>
/// A model repository in a temporary directory, in Triton's layout: <c>linear</c> (alpha, versions 1 and 2,
/// latest served), <c>linear-all</c> (alpha, both versions served), <c>beta-linear</c> (beta) and
/// <c>manual</c> (alpha, loaded only through the repository API).
/// </summary>
internal sealed class KserveRepository : IDisposable
{
    public const int In = 4;
    public const int Out = 3;

    public KserveRepository()
    {
        Path = Directory.CreateTempSubdirectory("gpupool-kserve-").FullName;
        Add("linear", """{ "tenant": "alpha", "memoryBytes": 67108864, "computeMilli": 250, "priority": "High" }""", 1, 2);
        Add("linear-all", """{ "tenant": "alpha", "memoryBytes": 67108864, "computeMilli": 100, "versionPolicy": "all" }""", 1, 2);
        Add("beta-linear", """{ "tenant": "beta", "memoryBytes": 67108864, "computeMilli": 100 }""", 1);
        Add("manual", """{ "tenant": "alpha", "memoryBytes": 67108864, "computeMilli": 100, "loadAtStart": false, "batching": { "maxBatchSize": 4, "maxQueueDelayUs": 100 } }""", 1);
    }

    public string Path { get; }

    /// <summary>The model file of a version: <see cref="TestModels.Linear"/> seeded with the version number.</summary>
    public static byte[] Model(int version) => TestModels.Linear(In, Out, seed: version);

    /// <summary>The settings that point a server at this repository.</summary>
    public Dictionary<string, string?> Settings() => new() { ["GpuPoolServer:ModelRepository:Path"] = Path };

    public void Add(string name, string config, params int[] versions)
    {
        var folder = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(System.IO.Path.Combine(folder, "gpupool.json"), config);
        foreach (var version in versions)
        {
            var dir = System.IO.Path.Combine(folder, version.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(System.IO.Path.Combine(dir, "model.onnx"), Model(version));
        }
    }

    /// <summary>Adds a model with one version (1) holding <paramref name="model"/>.</summary>
    public void AddModel(string name, string config, byte[] model)
    {
        var dir = System.IO.Path.Combine(Path, name, "1");
        Directory.CreateDirectory(dir);
        File.WriteAllText(System.IO.Path.Combine(Path, name, "gpupool.json"), config);
        File.WriteAllBytes(System.IO.Path.Combine(dir, "model.onnx"), model);
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
