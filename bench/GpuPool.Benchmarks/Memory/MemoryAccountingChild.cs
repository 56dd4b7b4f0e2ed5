using System.Globalization;
using GpuPool.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using GpuPool.Testing;

namespace GpuPool.Benchmarks.Memory;

/// <summary>
/// One fresh process of the memory-accounting benchmark: starts the runtime (ONNX Runtime's environment, the
/// pool and a lease, or nothing more for a plain session) and runs a tiny first model once and unloads it,
/// as a process that serves models has done long before, then measures the resident growth from loading
/// the model from a file and running it three times, after garbage collection.
/// </summary>
internal static class MemoryAccountingChild
{
    private const int Runs = 3;

    /// <summary>Width of the tiny first model's layers.</summary>
    private const int WarmUpWidth = 64;

    /// <summary>Measures <paramref name="model"/>, whose file the parent wrote to <paramref name="path"/> (so that making its bytes leaves nothing in this process).</summary>
    public static async Task<int> RunAsync(string mode, AccountingModel model, string path, string source, CancellationToken cancellationToken)
    {
        var atStart = ProcessMemory.Settled();
        _ = OrtEnv.Instance();

        // Whatever makes the inputs (MiniLM's tokenizer and its vocabulary) is the benchmark's, not the model's.
        _ = model.Inputs([]);
        var result = mode switch
        {
            "lease" => await InLeaseAsync(model, path, source, atStart, cancellationToken),
            "plain" => Plain(model, path, atStart),
            _ => throw new ArgumentException($"Unknown child mode '{mode}'."),
        };
        result["file_bytes"] = new FileInfo(path).Length;
        JsonLine.Write(result);
        return 0;
    }

    private static async Task<Dictionary<string, object?>> InLeaseAsync(AccountingModel model, string path, string source, ProcessMemory atStart, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime();
        await using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<IGpuPool>();
        await using (var warm = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), SliceRequest.FullDeviceMilli), cancellationToken))
        {
            await using var first = await warm.LoadModelAsync(ModelSource.FromFile(WarmUpModelFile()), cancellationToken: cancellationToken);
            _ = await first.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[WarmUpWidth], 1, WarmUpWidth) }, cancellationToken);
        }

        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.GiB(2), SliceRequest.FullDeviceMilli), cancellationToken);
        var before = Baseline();
        var committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await using var loaded = await LoadAsync(lease, path, source, cancellationToken);
        var loadAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        for (var i = 0; i < Runs; i++)
        {
            _ = await loaded.RunAsync(model.Inputs(loaded.Inputs), cancellationToken);
        }

        var peak = PeakResidentBytes();
        var after = ProcessMemory.Settled();
        var result = Result(atStart, before, after, peak, lease.MemoryUsedBytes);
        result["load_managed_allocated_bytes"] = loadAllocated;
        result["managed_committed_growth_bytes"] = GC.GetGCMemoryInfo().TotalCommittedBytes - committedBefore;
        return result;
    }

    /// <summary>Loads the model file the way <paramref name="source"/> names.</summary>
    private static async Task<PooledModel> LoadAsync(GpuLease lease, string path, string source, CancellationToken cancellationToken)
    {
        switch (source)
        {
            case "file":
                return await lease.LoadModelAsync(ModelSource.FromFile(path), cancellationToken: cancellationToken);
            case "stream":
            {
                await using var stream = File.OpenRead(path);
                return await lease.LoadModelAsync(ModelSource.FromStream(stream, Path.GetFileName(path)), cancellationToken: cancellationToken);
            }

            case "memorystream":
            {
                // What ModelSource.FromStream did before it spooled to a file.
                await using var stream = File.OpenRead(path);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken);
                return await lease.LoadModelAsync(ModelSource.FromBytes(buffer.ToArray(), Path.GetFileName(path)), cancellationToken: cancellationToken);
            }

            default:
                throw new ArgumentException($"Unknown source '{source}'; one of: file, stream, memorystream.");
        }
    }

    private static Dictionary<string, object?> Plain(AccountingModel model, string path, ProcessMemory atStart)
    {
        using (var first = new InferenceSession(WarmUpModelFile()))
        using (var x = OrtValue.CreateTensorValueFromMemory(new float[WarmUpWidth], [1, WarmUpWidth]))
        using (var runOptions = new RunOptions())
        using (first.Run(runOptions, new Dictionary<string, OrtValue> { ["x"] = x }, first.OutputNames))
        {
        }

        var before = Baseline();
        using var session = new InferenceSession(path);
        var infos = session.InputMetadata.Select(kv => new TensorInfo(kv.Key, ToPool(kv.Value.ElementDataType), [.. kv.Value.Dimensions.Select(d => (long)d)])).ToList();
        for (var i = 0; i < Runs; i++)
        {
            var values = model.Inputs(infos).ToDictionary(
                kv => kv.Key,
                kv =>
                {
                    var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, ToOrt(kv.Value.ElementType), [.. kv.Value.Shape]);
                    kv.Value.Data.Span.CopyTo(value.GetTensorMutableRawData());
                    return value;
                },
                StringComparer.Ordinal);
            using var options = new RunOptions();
            using var outputs = session.Run(options, values, session.OutputNames);
            foreach (var value in values.Values)
            {
                value.Dispose();
            }
        }

        var peak = PeakResidentBytes();
        var after = ProcessMemory.Settled();
        return Result(atStart, before, after, peak, 0);
    }

    /// <summary>
    /// The tiny first model (two 64×64 MatMul layers, 32 KiB), as a file: it goes the way the measured models go
    /// (a file, mapped and hashed by the pool or read by ONNX Runtime; common kernels), so that the code of that
    /// way is paged in and compiled before the measurement, as in a process that has served models long before,
    /// and is not counted as the measured model's memory.
    /// </summary>
    private static string WarmUpModelFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gpupool-memory-warm-up-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, TestModels.MatMulChain(WarmUpWidth, 2));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    }

    /// <summary>Settles the process and resets its resident high-water mark.</summary>
    private static ProcessMemory Baseline()
    {
        var before = ProcessMemory.Settled();
        File.WriteAllText("/proc/self/clear_refs", "5");
        return before;
    }

    private static long PeakResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static Dictionary<string, object?> Result(ProcessMemory atStart, ProcessMemory before, ProcessMemory after, long peak, long charged) => new()
    {
        ["charged_bytes"] = charged,
        ["actual_bytes"] = after.ResidentBytes - before.ResidentBytes,
        ["actual_anon_bytes"] = after.AnonymousBytes - before.AnonymousBytes,
        ["peak_bytes"] = peak - before.ResidentBytes,
        ["start_bytes"] = before.ResidentBytes - atStart.ResidentBytes,
    };

    private static TensorDataType ToPool(TensorElementType type) => type switch
    {
        TensorElementType.Float => TensorDataType.Float32,
        TensorElementType.Int64 => TensorDataType.Int64,
        _ => throw new NotSupportedException($"The benchmark's models take float or int64 inputs, not {type}."),
    };

    private static TensorElementType ToOrt(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => TensorElementType.Float,
        TensorDataType.Int64 => TensorElementType.Int64,
        _ => throw new NotSupportedException($"The benchmark's models take float or int64 inputs, not {type}."),
    };
}
