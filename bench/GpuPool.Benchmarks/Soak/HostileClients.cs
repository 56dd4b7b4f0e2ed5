using Google.Protobuf;
using GpuPool.Testing;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Benchmarks.Soak;

/// <summary>
/// The misbehaving clients of <c>soak --hostile</c>, all of tenant <c>mallory</c>: RunStreams that never read their
/// 1 MiB replies, uploads that stall part-way, and requests with megabyte strings. Each answer must be one a
/// hostile client may get (OK, INVALID_ARGUMENT, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, CANCELLED); anything else
/// (INTERNAL, UNKNOWN, a hang past the deadline) is a violation.
/// </summary>
internal sealed class HostileClients(V1.Leases.LeasesClient leases, V1.Inference.InferenceClient inference, Metadata key, SoakLedger ledger)
{
    // Input [64, 4] → output [64, 4096] float32: 1 KiB in, 1 MiB out.
    private const int Batch = 64;
    private const int Features = 4096;
    private static readonly byte[] WideModel = TestModels.Linear(4, Features, seed: 5);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _leases = new();
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    public Task RunAsync(int readers, int uploaders, int stringers, CancellationToken stop) =>
        Task.WhenAll(
            Enumerable.Range(0, readers).Select(_ => Task.Run(() => LoopAsync(64L << 20, NeverReadAsync, stop)))
                .Concat(Enumerable.Range(0, uploaders).Select(_ => Task.Run(() => LoopAsync(1L << 30, StalledUploadAsync, stop))))
                .Concat(Enumerable.Range(0, stringers).Select(_ => Task.Run(() => LoopAsync(0, (_, s) => OversizedStringsAsync(s), stop)))));

    /// <summary>Releases every lease the hostile clients took (they hold theirs to the end of the phase).</summary>
    public async Task ReleaseAllAsync()
    {
        while (_leases.TryDequeue(out var id))
        {
            await leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = id }, key);
        }
    }

    private async Task LoopAsync(long leaseMemory, Func<V1.Lease?, CancellationToken, Task> misbehave, CancellationToken stop)
    {
        V1.Lease? lease = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                lease ??= leaseMemory == 0 ? null : await LeaseAsync(leaseMemory, stop);
                await misbehave(lease, stop);
            }
            catch (RpcException ex)
            {
                Check(ex.StatusCode, ex.Status.Detail);
                // A refused misbehaver comes back after the retry-after: the soak models clients that hold memory, not a CPU flood.
                await DelayAsync(TimeSpan.FromSeconds(1), stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The phase ended, or the server ended a call this client was still writing to.
            }
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Opens a RunStream, sends 300 runs with 1 MiB replies, reads none, and holds the stream until the phase ends.</summary>
    private async Task NeverReadAsync(V1.Lease? lease, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var model = await UploadAsync(lease.Id, WideModel, stop);
        using var call = inference.RunStream(key, cancellationToken: stop);
        var input = new V1.Tensor { ElementType = V1.TensorElementType.Float32, Data = ByteString.CopyFrom(new byte[Batch * 4 * 4]) };
        input.Shape.AddRange([Batch, 4]);
        for (var i = 0; i < 300 && !stop.IsCancellationRequested; i++)
        {
            var request = new V1.RunRequest { CallId = i, LeaseId = lease.Id, ModelId = model.Id };
            request.Inputs["x"] = input;
            await call.RequestStream.WriteAsync(request, stop);
            Interlocked.Increment(ref _requests);
        }

        await Task.Delay(Timeout.Infinite, stop);
    }

    /// <summary>Announces 48 MiB, sends 24 MiB, and stalls: the server holds the bytes until its upload timeout, or refuses them once the tenant's share is full.</summary>
    private async Task StalledUploadAsync(V1.Lease? lease, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var call = inference.LoadModel(key, cancellationToken: stop);
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = lease.Id, TotalBytes = 48L << 20 } }, stop);
        var chunk = new V1.LoadModelChunk { Data = ByteString.CopyFrom(new byte[1 << 20]) };
        for (var i = 0; i < 24 && !stop.IsCancellationRequested; i++)
        {
            await call.RequestStream.WriteAsync(chunk, stop);
        }

        Interlocked.Increment(ref _requests);
        // The server may refuse the upload (share full): that ends the wait with its status.
        await call.ResponseAsync.WaitAsync(stop);
    }

    /// <summary>Calls with 1 MB ids and names: each must be refused with INVALID_ARGUMENT, promptly.</summary>
    private async Task OversizedStringsAsync(CancellationToken stop)
    {
        var huge = new string('\n', 1_000_000);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Interlocked.Increment(ref _requests);
        await ExpectInvalidAsync(() => leases.GetAsync(new V1.GetLeaseRequest { LeaseId = huge }, key, deadline, stop).ResponseAsync);
        await ExpectInvalidAsync(() => inference.RunAsync(new V1.RunRequest { LeaseId = huge, ModelId = huge }, key, deadline, stop).ResponseAsync);
        var slice = new V1.SliceRequest { MemoryBytes = 1 << 20, ComputeMilli = 1, ClientRequestId = huge };
        await ExpectInvalidAsync(() => leases.AcquireAsync(new V1.AcquireRequest { Slice = slice }, key, deadline, stop).ResponseAsync);
    }

    private async Task ExpectInvalidAsync(Func<Task> call)
    {
        try
        {
            await call();
            ledger.Violation("hostile: a request with a 1 MB string was accepted");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            ledger.RejectedAsExpected();
        }
    }

    private async Task<V1.Lease> LeaseAsync(long memory, CancellationToken stop)
    {
        var slice = new V1.SliceRequest { MemoryBytes = memory, ComputeMilli = 10, TimeToLiveMs = 300_000, WaitTimeoutMs = 2_000 };
        var response = await leases.AcquireAsync(new V1.AcquireRequest { Slice = slice, Wait = true }, key, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: stop);
        var granted = response.Lease ?? throw new RpcException(new Status(StatusCode.ResourceExhausted, "no slice"));
        _leases.Enqueue(granted.Id);
        return granted;
    }

    private async Task<V1.Model> UploadAsync(string leaseId, byte[] bytes, CancellationToken stop)
    {
        using var call = inference.LoadModel(key, cancellationToken: stop);
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = leaseId, TotalBytes = bytes.Length } }, stop);
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(bytes) }, stop);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    private void Check(StatusCode code, string detail)
    {
        if (code is StatusCode.OK or StatusCode.InvalidArgument or StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
        {
            ledger.RejectedAsExpected();
            return;
        }

        ledger.Violation($"hostile: unexpected {code}: {detail}");
    }
}
