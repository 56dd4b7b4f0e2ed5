using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.LargeTensors;

/// <summary>
/// One way to run the identity-like model: a pool (embedded or remote), a lease and the loaded model, and what
/// one run sends. A shared-memory rig writes the input into its region once per size (as an application that
/// produces its data in place would) and has the output written there.
/// </summary>
internal sealed class TransportRig(string name, ServiceProvider provider, GpuLease lease, PooledModel model, bool shared) : IAsyncDisposable
{
    private Dictionary<string, TensorValue> _inputs = [];
    private SharedMemoryRegion? _region;
    private Dictionary<string, SharedTensor> _sharedInputs = [];
    private Dictionary<string, SharedTensor> _sharedOutputs = [];
    private int _bytes;

    public string Name => name;

    public async Task PrepareAsync(TensorValue input, CancellationToken cancellationToken)
    {
        _bytes = input.Data.Length;
        _inputs = new Dictionary<string, TensorValue> { ["x"] = input };
        if (!shared)
        {
            return;
        }

        if (_region is null || _region.ByteSize < 2L * _bytes)
        {
            if (_region is not null)
            {
                await _region.DisposeAsync();
            }

            _region = await lease.CreateSharedMemoryAsync(2L * _bytes, cancellationToken);
        }

        _sharedInputs = new Dictionary<string, SharedTensor> { ["x"] = _region.Write(0, input) };
        _sharedOutputs = new Dictionary<string, SharedTensor> { ["y"] = _region.Output(_bytes, _bytes) };
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var outputs = shared
            ? await model.RunAsync(_sharedInputs, _sharedOutputs, cancellationToken)
            : await model.RunAsync(_inputs, cancellationToken);
        if (outputs["y"].Data.Length != _bytes)
        {
            throw new InvalidOperationException($"{name}: the output has {outputs["y"].Data.Length} bytes, not {_bytes}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_region is not null)
        {
            await _region.DisposeAsync();
        }

        await model.DisposeAsync();
        await lease.DisposeAsync();
        await provider.DisposeAsync();
    }
}
