using System.Reflection;
using GpuPool.Benchmarks.Infrastructure;

var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => !t.IsAbstract && typeof(IBenchmark).IsAssignableFrom(t))
    .Select(t => (IBenchmark)Activator.CreateInstance(t, nonPublic: true)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: GpuPool.Benchmarks <subcommand> [--options]");
    foreach (var b in benchmarks.Values)
    {
        Console.Error.WriteLine($"  {b.Name,-16} {b.Description}");
    }

    return args.Length == 0 ? 0 : 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
return await benchmark.RunAsync(new BenchArgs(args.Skip(1)), cts.Token);
