// Leases a slice from the embedded pool, then trains and evaluates a small TorchSharp network on the leased
// device (cuda:N with a CUDA build of libtorch, otherwise the CPU), with the share's CPU threads.
using System.Globalization;
using GpuPool;
using GpuPool.TorchSharp;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using TorchSharpLocal;
using static TorchSharp.torch.nn;

// Before the first torch call: a native library that does not load is reported with what to run, not a crash.
if (!TorchNatives.TryLoad(out var problem))
{
    Console.Error.WriteLine(problem);
    return 2;
}

var services = new ServiceCollection().AddLogging();
services.AddGpuPool().AddTorchSharp();
await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
var pool = provider.GetRequiredService<IGpuPool>();
var torchLeases = provider.GetRequiredService<TorchSharpLeases>();

// Only a CUDA build of libtorch can use a GPU; with the CPU package, ask for a slice of the CPU.
var request = new SliceRequest
{
    MemoryBytes = ByteSize.MiB(256),
    ComputeMilli = 500,
    Constraints = torch.cuda.is_available() ? new DeviceConstraints { Vendor = DeviceVendor.Nvidia } : new DeviceConstraints { Kind = DeviceKind.Cpu },
    TimeToLive = TimeSpan.FromMinutes(2),
};
await using var lease = await pool.LeaseAsync(request);
var settings = torchLeases.Configure(lease);
Console.WriteLine($"Leased: {lease}");
Console.WriteLine($"TorchSharp: device {settings.Device}, {settings.Threads} intra-op thread(s) of {Environment.ProcessorCount}");

torch.manual_seed(7);
var (trainX, trainY) = TwoMoons.Create(800, seed: 1, settings.Device);
var (testX, testY) = TwoMoons.Create(400, seed: 2, settings.Device);
using var model = Sequential(
    ("hidden1", Linear(2, 32)),
    ("relu1", ReLU()),
    ("hidden2", Linear(32, 32)),
    ("relu2", ReLU()),
    ("output", Linear(32, 2)));
model.to(settings.Device);
using var optimizer = torch.optim.Adam(model.parameters(), lr: 0.02);

Console.WriteLine("epoch   loss     train-accuracy");
const int epochs = 300;
for (var epoch = 1; epoch <= epochs; epoch++)
{
    using var scope = torch.NewDisposeScope();
    optimizer.zero_grad();
    var logits = model.forward(trainX);
    var loss = functional.cross_entropy(logits, trainY);
    loss.backward();
    optimizer.step();
    if (epoch == 1 || epoch % 25 == 0)
    {
        var accuracy = Accuracy(logits, trainY);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{epoch,5}   {loss.item<float>():0.0000}   {accuracy:0.000}"));
    }
}

model.eval();
double testAccuracy;
using (torch.no_grad())
{
    using var logits = model.forward(testX);
    testAccuracy = Accuracy(logits, testY);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Test accuracy on {testY.shape[0]} held-out points: {testAccuracy:0.000}"));
if (testAccuracy < 0.9)
{
    Console.Error.WriteLine("The network did not learn the task (test accuracy below 0.9).");
    return 1;
}

return 0;

static double Accuracy(torch.Tensor logits, torch.Tensor labels)
{
    using var predicted = logits.argmax(1);
    using var correct = predicted.eq(labels).sum();
    return correct.item<long>() / (double)labels.shape[0];
}
