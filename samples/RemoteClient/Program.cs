// RemoteClient: an application that only ever uses a pool server, built on the GpuPool.Client package
// alone (no engine, no native libraries, nothing probed locally). It leases a slice on the server, shows
// where it landed, optionally loads an ONNX model into it and runs it once on inputs filled with ones,
// and gives the slice back.
//   GpuPool__Server=http://host:7070 GpuPool__ApiKey=... dotnet run --project samples/RemoteClient [-- model.onnx]
using GpuPool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddGpuPool();   // GpuPool:Server and GpuPool:ApiKey come from configuration
using var host = builder.Build();
await host.StartAsync();
var pool = host.Services.GetRequiredService<IGpuPool>();

await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), computeMilli: 250) with
{
    TimeToLive = TimeSpan.FromMinutes(2),
    WaitTimeout = TimeSpan.FromSeconds(30),
});
Console.WriteLine($"Leased {lease.Id} on {lease.Device.Id} ({lease.Device.Model}, node {lease.Device.Node}): "
    + $"{ByteSize.Format(lease.MemoryBytes)}, {lease.ComputeMilli}/1000 compute, expires {lease.ExpiresAt:HH:mm:ss}");

if (args.FirstOrDefault(a => a.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) is { } path)
{
    await using var model = await lease.LoadModelAsync(ModelSource.FromFile(path));
    Console.WriteLine($"Loaded {model.Name}: {ByteSize.Format(model.MemoryBytes)} charged");
    var inputs = model.Inputs.ToDictionary(i => i.Name, Ones);
    foreach (var (name, value) in await model.RunAsync(inputs))
    {
        Console.WriteLine($"  {name}: {value}");
    }
}

await lease.ReleaseAsync();
Console.WriteLine($"Released {lease.Id}");
await host.StopAsync();

// A float input with its dynamic dimensions set to 1, filled with ones.
static TensorValue Ones(TensorInfo input)
{
    if (input.ElementType != TensorDataType.Float32)
    {
        throw new NotSupportedException($"This sample fills float inputs only; '{input.Name}' is {input.ElementType}.");
    }

    var shape = input.Shape.Select(d => d < 0 ? 1 : d).ToArray();
    return TensorValue.FromArray(Enumerable.Repeat(1f, (int)TensorValue.CountElements(shape)).ToArray(), shape);
}
