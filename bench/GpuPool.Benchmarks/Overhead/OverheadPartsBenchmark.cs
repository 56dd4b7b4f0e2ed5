using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Benchmarks.Memory;
using GpuPool.Benchmarks.Remote;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Embedded;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Overhead;

/// <summary>
/// Where a lease's run time goes beyond a plain session's (the profile behind <c>overhead</c>): the same model run, in
/// rotating rounds of one process, as a plain session (its own threads; asking each output's shape; with outputs
/// pre-allocated as the pool's instance does; on ONNX Runtime's global pool as the pool's sessions use), the pool's instance alone (tensor wrapping, no scheduling), the input check, the run's metrics, the scheduler with empty work
/// (admission, accounting, metrics), the host's run without the scheduler (working-memory check), the host's full run
/// and the public lease handle. Prints each side's median and its difference to the plain session.
/// </summary>
internal sealed class OverheadPartsBenchmark : IBenchmark
{
    public string Name => "overhead-parts";

    public string Description => "profile of a lease run's overhead, part by part (plain, plain-prealloc, instance, scheduler, host, lease); --model (mlp), --rounds, --runs, --only (sides), --no-token, --with-server";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var model = AccountingModel.Find(args.Get("model", "mlp"));
        var rounds = args.GetInt("rounds", 15);
        var runs = args.GetInt("runs", 2000);
        var token = args.Has("no-token") ? CancellationToken.None : cancellationToken;

        // --with-server: a server in this process, whose OpenTelemetry meter provider also observes the embedded
        // pool's instruments (they are matched by meter name), as in the overhead benchmark's remote sides.
        await using var server = args.Has("with-server") ? await BenchServer.StartAsync() : null;

        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        await using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<IGpuPool>();
        var scheduler = provider.GetRequiredService<IDeviceScheduler>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.GiB(1), args.GetInt("milli", 250)), cancellationToken);
        var bytes = model.Bytes();
        await using var pooled = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, model.Name), cancellationToken: cancellationToken);
        var loaded = ((EmbeddedModel)pooled).Loaded;
        var inputs = model.Inputs(pooled.Inputs);
        var context = new RunContext(scheduler.IntraOpThreadsFor(loaded.Lease));
        var signature = new InputSignature(loaded.Instance.Inputs);
        var metrics = provider.GetRequiredService<RuntimeMetrics>();
        var recorder = metrics.RecorderFor(loaded.Lease);
        using var plain = new PlainSession(bytes, inputs);
        using var plainGlobal = new PlainSession(bytes, inputs, globalThreads: true);

        OverheadSide[] sides =
        [
            new("plain", () => { plain.Run(); return ValueTask.CompletedTask; }),
            new("plain-shaped", () => { plain.Run(askShapes: true); return ValueTask.CompletedTask; }),
            new("plain-prealloc", () => { plain.RunPreallocated(); return ValueTask.CompletedTask; }),
            new("plain-global", () => { plainGlobal.Run(); return ValueTask.CompletedTask; }),
            new("instance", () => { loaded.Instance.Run(inputs, context); return ValueTask.CompletedTask; }),
            new("clock", () => { System.Diagnostics.Stopwatch.GetTimestamp(); return ValueTask.CompletedTask; }),
            new("validate", () => { signature.Validate(inputs); return ValueTask.CompletedTask; }),
            new("record", () => { metrics.ModelRun(recorder, TimeSpan.FromTicks(230)); return ValueTask.CompletedTask; }),
            new("schedule-empty", async () => await scheduler.RunAsync(loaded.Lease, static _ => 0, token)),
            new("host-device", () => { loaded.RunOnDevice(inputs, context); return ValueTask.CompletedTask; }),
            new("host-run", async () => await loaded.RunAsync(inputs, token)),
            new("lease", async () => await pooled.RunAsync(inputs, token)),
        ];

        // --only plain,lease: just those sides (the first named is the baseline), e.g. under a profiler.
        if (args.Get("only") is { } only)
        {
            var names = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            sides = [.. names.Select(n => sides.FirstOrDefault(s => s.Name == n) ?? throw new ArgumentException($"--only: no side '{n}'; sides are {string.Join(", ", sides.Select(s => s.Name))}."))];
        }

        foreach (var side in sides)
        {
            await side.MeasureAsync(runs / 4, record: false, cancellationToken);
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < sides.Length; i++)
            {
                await sides[(round + i) % sides.Length].MeasureAsync(runs, record: true, cancellationToken);
            }
        }

        var baseline = sides[0];
        var parts = new Dictionary<string, object?> { ["bench"] = Name, ["model"] = model.Name, ["token"] = token.CanBeCanceled, ["server"] = server is not null };
        foreach (var side in sides)
        {
            var added = side == baseline ? 0 : side.PairedMedian(baseline, static (s, p) => s - p);
            Console.WriteLine($"{side.Name,-15} {side.MedianUs,9:F2} µs  ({added:+0.00;-0.00} µs vs plain)");
            parts[side.Name + "_us"] = Math.Round(side.MedianUs, 2);
        }

        JsonLine.Write(parts);
        return 0;
    }
}
