using System.Diagnostics;
using GpuPool.Runtime.Models;

namespace GpuPool.Benchmarks.Multiplexing;

/// <summary>Clients that run a model back to back (or paced) until stopped, recording latencies.</summary>
internal static class ClosedLoop
{
    public static Task<List<double>> Start(LoadedModel model, IReadOnlyDictionary<string, TensorValue> input, int clients, CancellationToken stop, TimeSpan pace = default) =>
        Task.Run(async () =>
        {
            var latencies = new List<double>();
            var tasks = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                var mine = new List<double>();
                while (!stop.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await model.RunAsync(input, stop);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        break;
                    }

                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (pace > TimeSpan.Zero)
                    {
                        try
                        {
                            await Task.Delay(pace, stop);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                }

                return mine;
            })).ToArray();
            foreach (var result in await Task.WhenAll(tasks))
            {
                latencies.AddRange(result);
            }

            return latencies;
        });

    public static Dictionary<string, TensorValue> Input(int batch, int size, int seed = 11) =>
        new() { ["x"] = TensorValue.FromArray(Testing.TestModels.Weights(seed, batch * size), batch, size) };
}
