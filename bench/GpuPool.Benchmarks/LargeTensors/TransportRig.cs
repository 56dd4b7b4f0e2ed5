using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.LargeTensors;

/// <summary>One way to run the identity-like model: a pool (embedded or remote), a lease and the loaded model, and what one run sends.</summary>
internal sealed class TransportRig(string name, ServiceProvider provider, GpuLease lease, PooledModel model) : IAsyncDisposable
{
    private Dictionary<string, TensorValue> _inputs = [];

    public string Name => name;

    public Task PrepareAsync(TensorValue input, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        _inputs = new Dictionary<string, TensorValue> { ["x"] = input };
        return Task.CompletedTask;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var outputs = await model.RunAsync(_inputs, cancellationToken);
        if (outputs["y"].Data.Length != _inputs["x"].Data.Length)
        {
            throw new InvalidOperationException($"{name}: the output has {outputs["y"].Data.Length} bytes, not {_inputs["x"].Data.Length}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await model.DisposeAsync();
        await lease.DisposeAsync();
        await provider.DisposeAsync();
    }
}
