using GpuPool;
using GpuPool.Testing;
using Microsoft.Extensions.Options;

namespace InferenceService;

/// <summary>
/// Holds one lease with the model loaded, from whichever pool is configured (embedded, or a server).
/// When the pool takes the lease back (expiry, revocation, a server restart), the next request leases again.
/// </summary>
public sealed class Embedder(IGpuPool pool, IOptions<EmbedderOptions> options, ILogger<Embedder> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EmbedderOptions _options = options.Value;
    private GpuLease? _lease;
    private PooledModel? _model;

    /// <summary>Embeds each input vector.</summary>
    public async Task<float[][]> EmbedAsync(float[][] vectors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Length == 0 || vectors.Any(v => v is null || v.Length != _options.InputFeatures))
        {
            throw new InvalidPoolRequestException($"Send 1 or more vectors of exactly {_options.InputFeatures} numbers.");
        }

        var flat = vectors.SelectMany(v => v).ToArray();
        var input = TensorValue.FromArray(flat, vectors.Length, _options.InputFeatures);
        for (var attempt = 0; ; attempt++)
        {
            var model = await GetModelAsync(cancellationToken);
            try
            {
                var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = input }, cancellationToken);
                var y = outputs["y"].ToArray<float>();
                var width = y.Length / vectors.Length;
                return [.. Enumerable.Range(0, vectors.Length).Select(i => y.AsSpan(i * width, width).ToArray())];
            }
            catch (LeaseLostException ex) when (attempt == 0)
            {
                EmbedderLog.LeaseLost(logger, ex.Reason, ex);
            }
        }
    }

    /// <summary>Where the model runs, for the info endpoint.</summary>
    public string Describe() => _lease is { } lease ? lease.ToString() : "not leased yet";

    public async ValueTask DisposeAsync()
    {
        if (_lease is not null)
        {
            await _lease.DisposeAsync();
        }

        _gate.Dispose();
    }

    private async Task<PooledModel> GetModelAsync(CancellationToken cancellationToken)
    {
        if (_model is { } ready && _lease is { LostReason: LeaseLostReason.None })
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_model is { } model && _lease is { LostReason: LeaseLostReason.None })
            {
                return model;
            }

            if (_lease is not null)
            {
                await _lease.DisposeAsync();
            }

            _lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(_options.MemoryMiB), _options.ComputeMilli), cancellationToken);
            var source = string.IsNullOrWhiteSpace(_options.ModelPath)
                ? ModelSource.FromBytes(TestModels.Linear(_options.InputFeatures, _options.OutputFeatures), "linear-embedder")
                : ModelSource.FromFile(_options.ModelPath);
            _model = await _lease.LoadModelAsync(source, cancellationToken: cancellationToken);
            EmbedderLog.ModelLoaded(logger, _model.Name, _lease);
            return _model;
        }
        finally
        {
            _gate.Release();
        }
    }
}
