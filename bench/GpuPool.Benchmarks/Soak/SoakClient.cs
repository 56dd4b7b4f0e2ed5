using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using GpuPool.Testing;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Benchmarks.Soak;

/// <summary>
/// One client of the soak: acquire a random slice (waiting for capacity), load a model (upload or by hash), run it
/// a few times with random batch sizes checking the outputs, release; one lease in twenty is abandoned to expire.
/// </summary>
internal sealed class SoakClient(int index, V1.Leases.LeasesClient leases, V1.Inference.InferenceClient inference, Metadata key, SoakLedger ledger, int seed)
{
    internal const int InFeatures = 8;
    internal const int OutFeatures = 4;
    internal const long AbandonedTtlMs = 2_000;
    private static readonly byte[] Model = TestModels.Linear(InFeatures, OutFeatures, seed: 11);
    private static readonly string ModelHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Model));
    private readonly Random _random = new(seed + index);
    private bool _uploaded;

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            // A cycle in progress when the soak stops runs to its end (calls are bounded by deadlines), so no
            // grant is ever cut off between the server and the ledger.
            try
            {
                await CycleAsync();
            }
            catch (RpcException ex)
            {
                ledger.Violation($"client {index}: unexpected {ex.StatusCode}: {ex.Status.Detail}");
            }
        }
    }

    private async Task CycleAsync()
    {
        var abandon = _random.Next(20) == 0;
        var slice = new V1.SliceRequest
        {
            MemoryBytes = (16L + _random.Next(496)) << 20,
            ComputeMilli = 10 + _random.Next(91),
            TimeToLiveMs = abandon ? AbandonedTtlMs : 30_000,
            WaitTimeoutMs = 2_000,
        };
        var acquired = await TimedAsync(() => leases.AcquireAsync(new V1.AcquireRequest { Slice = slice, Wait = true }, key, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync, expectRejection: true);
        if (acquired?.Lease is not { } granted)
        {
            return;
        }

        var lease = new SoakLease(granted.Id, slice.MemoryBytes, slice.ComputeMilli, abandon);
        ledger.Leases.Enqueue(lease);
        var model = await LoadAsync(granted.Id);
        lease.ModelId = model.Id;
        for (var runs = 1 + _random.Next(5); runs > 0; runs--)
        {
            await RunOnceAsync(granted.Id, model.Id);
        }

        if (!abandon)
        {
            var released = await TimedAsync(() => leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = granted.Id, FencingToken = granted.FencingToken }, key, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
            lease.Released = released!.Released;
            if (!released.Released)
            {
                ledger.Violation($"lease {granted.Id}: release answered released=false for a live lease");
            }
        }
    }

    private async Task<V1.Model> LoadAsync(string leaseId)
    {
        var header = new V1.ModelHeader { LeaseId = leaseId, Name = "soak-linear", Sha256 = ModelHash, TotalBytes = Model.Length };
        if (_uploaded && _random.Next(2) == 0)
        {
            return (await TimedAsync(() => inference.LoadCachedAsync(new V1.LoadCachedRequest { Header = header }, key, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync))!;
        }

        var model = await TimedAsync(async () =>
        {
            using var call = inference.LoadModel(key, deadline: DateTime.UtcNow.AddSeconds(30));
            await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = header });
            for (var offset = 0; offset < Model.Length; offset += 1024)
            {
                await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(Model, offset, Math.Min(1024, Model.Length - offset)) });
            }

            await call.RequestStream.CompleteAsync();
            return await call;
        });
        _uploaded = true;
        return model!;
    }

    private async Task RunOnceAsync(string leaseId, string modelId)
    {
        var batch = 1 + _random.Next(16);
        var x = new float[batch * InFeatures];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)(_random.NextDouble() * 2 - 1);
        }

        var request = new V1.RunRequest { LeaseId = leaseId, ModelId = modelId };
        // Through the codec: GpuPool.Runtime also holds gpupool.v1 tensor types (internal, visible here), so V1.Tensor is ambiguous in this project.
        request.Inputs["x"] = Protocol.Conversion.WireFormat.ToWire(TensorValue.FromArray(x, batch, InFeatures));
        var response = await TimedAsync(() => inference.RunAsync(request, key, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
        var y = MemoryMarshal.Cast<byte, float>(response!.Outputs["y"].Data.Span);
        var expected = TestModels.LinearReference(x, batch, InFeatures, OutFeatures, seed: 11);
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(y[i] - expected[i]) > 1e-4f)
            {
                ledger.Violation($"lease {leaseId}: output {i} is {y[i]}, expected {expected[i]}");
                return;
            }
        }
    }

    private async Task<T?> TimedAsync<T>(Func<Task<T>> call, bool expectRejection = false)
        where T : class
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            ledger.Completed(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            return result;
        }
        catch (RpcException ex) when (expectRejection && ex.StatusCode == StatusCode.ResourceExhausted)
        {
            ledger.Completed(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            ledger.RejectedAsExpected();
            return null;
        }
    }
}
