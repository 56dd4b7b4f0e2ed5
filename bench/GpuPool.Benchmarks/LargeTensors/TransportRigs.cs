using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.LargeTensors;

/// <summary>The rigs of one benchmark run, disposed together.</summary>
internal sealed class TransportRigs : IAsyncDisposable
{
    private readonly List<TransportRig> _rigs = [];

    public IReadOnlyList<TransportRig> All => _rigs;

    public async Task AddAsync(string name, IServiceCollection services, SliceRequest request, byte[] model, bool shared, CancellationToken cancellationToken)
    {
        var provider = services.BuildServiceProvider();
        var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(request, cancellationToken);
        var loaded = await lease.LoadModelAsync(ModelSource.FromBytes(model, "identity-like"), cancellationToken: cancellationToken);
        _rigs.Add(new TransportRig(name, provider, lease, loaded, shared));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var rig in _rigs)
        {
            await rig.DisposeAsync();
        }
    }
}
