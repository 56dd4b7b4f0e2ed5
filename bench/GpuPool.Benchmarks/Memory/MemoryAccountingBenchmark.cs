using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GpuPool.Benchmarks.Infrastructure;

namespace GpuPool.Benchmarks.Memory;

/// <summary>
/// What a lease is charged for a model vs the resident memory the model really adds, and vs the same model
/// in a plain ONNX Runtime session: each model and each way in a fresh process (<see cref="MemoryAccountingChild"/>).
/// </summary>
internal sealed class MemoryAccountingBenchmark : IBenchmark
{
    public string Name => "memory-accounting";

    public string Description => "per model: lease charge vs resident growth in a lease vs a plain InferenceSession, each in a fresh process";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        if (args.Get("child") is { } mode)
        {
            return await MemoryAccountingChild.RunAsync(mode, AccountingModel.Find(args.Get("model", "mlp")), args.Get("path")!, args.Get("source", "file")!, cancellationToken);
        }

        var directory = Directory.CreateTempSubdirectory("gpupool-memory-");
        try
        {
            return await RunAllAsync(args, directory.FullName, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task<int> RunAllAsync(BenchArgs args, string directory, CancellationToken cancellationToken)
    {
        var models = args.Get("models") is { } list ? list.Split(',').Select(AccountingModel.Find).ToList() : [.. AccountingModel.All];
        var repeats = args.GetInt("repeats", 3);
        // How the lease gets the model: "file" (ModelSource.FromFile), "stream" (FromStream), or "memorystream" (the
        // stream read into a MemoryStream and copied to an array, as FromStream did before it spooled to a file).
        var source = args.Get("source", "file")!;
        foreach (var model in models)
        {
            var path = Path.Combine(directory, model.Name + ".onnx");
            await File.WriteAllBytesAsync(path, model.Bytes(), cancellationToken);
            // The median of several fresh processes each way: one process's figure moves by a few MiB.
            var lease = new List<JsonElement>();
            var plain = new List<JsonElement>();
            for (var i = 0; i < repeats; i++)
            {
                lease.Add(await RunChildAsync("lease", model.Name, path, source, cancellationToken));
                plain.Add(await RunChildAsync("plain", model.Name, path, source, cancellationToken));
            }

            var leaseRun = lease.OrderBy(r => r.GetProperty("actual_bytes").GetInt64()).ElementAt(repeats / 2);
            var chargedBytes = leaseRun.GetProperty("charged_bytes").GetInt64();
            var actualBytes = leaseRun.GetProperty("actual_bytes").GetInt64();
            var plainBytes = plain.Select(r => r.GetProperty("actual_bytes").GetInt64()).Order().ElementAt(repeats / 2);
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["bench"] = Name,
                ["model"] = model.Name,
                ["file_mb"] = Mb(leaseRun.GetProperty("file_bytes").GetInt64()),
                ["charged_mb"] = Mb(chargedBytes),
                ["actual_mb"] = Mb(actualBytes),
                ["plain_mb"] = Mb(plainBytes),
                // From the bytes, not the rounded MiB (a 0.7 MiB model's ratio would move by 0.1 with rounding).
                ["charged_over_actual"] = Math.Round((double)chargedBytes / actualBytes, 3),
                ["actual_over_plain"] = Math.Round((double)actualBytes / plainBytes, 3),
                ["actual_anon_mb"] = Mb(leaseRun.GetProperty("actual_anon_bytes").GetInt64()),
                ["load_peak_mb"] = Mb(leaseRun.GetProperty("peak_bytes").GetInt64()),
                ["plain_load_peak_mb"] = Mb(plain.Select(r => r.GetProperty("peak_bytes").GetInt64()).Order().ElementAt(repeats / 2)),
                ["runtime_start_mb"] = Mb(leaseRun.GetProperty("start_bytes").GetInt64()),
                ["source"] = source,
                ["load_managed_allocated_mb"] = Mb(leaseRun.GetProperty("load_managed_allocated_bytes").GetInt64()),
                ["managed_committed_growth_mb"] = Mb(leaseRun.GetProperty("managed_committed_growth_bytes").GetInt64()),
                ["repeats"] = repeats,
            });
        }

        return 0;
    }

    private static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);

    private static async Task<JsonElement> RunChildAsync(string mode, string model, string path, string source, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(MemoryAccountingBenchmark).Assembly.Location);
        }

        foreach (var arg in new[] { "memory-accounting", "--child", mode, "--model", model, "--path", path, "--source", source })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The {mode} child for {model} exited with {process.ExitCode}."));
        }

        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }
}
