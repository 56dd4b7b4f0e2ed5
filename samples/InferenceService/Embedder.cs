using GpuPool;
using GpuPool.Samples.Models;
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

    /// <summary>Embeds each text with the MiniLM sentence encoder (384 numbers, L2-normalised).</summary>
    public async Task<float[][]> EmbedAsync(string[] texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Length == 0 || texts.Length > _options.MaxTexts)
        {
            throw new InvalidPoolRequestException($"Send between 1 and {_options.MaxTexts} texts; got {texts.Length}.");
        }

        if (texts.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > _options.MaxTextLength))
        {
            throw new InvalidPoolRequestException($"Every text must be non-empty and at most {_options.MaxTextLength} characters.");
        }

        for (var attempt = 0; ; attempt++)
        {
            var model = await GetModelAsync(cancellationToken);
            try
            {
                return await MiniLm.EmbedAsync(model, texts, cancellationToken);
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
            var source = ModelSource.FromBytes(MiniLm.LoadModelBytes(), "all-MiniLM-L6-v2.onnx");
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
