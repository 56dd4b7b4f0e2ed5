using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Models;

/// <summary>
/// The models resident on each device, by content: a model loaded by several leases is stored once.
/// Keeps released models only within <see cref="ModelHostOptions.UnusedModelCacheBytes"/> and evicts the
/// least recently used unused model first when the budget is exceeded or a new model needs the device's
/// memory.
/// </summary>
internal sealed class ModelCatalog(ModelHostOptions options, TimeProvider time, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly Lock _loadGate = new();
    private readonly Dictionary<SharedModelKey, SharedModel> _models = [];
    private readonly Dictionary<string, long> _resident = new(StringComparer.Ordinal);

    /// <summary>Returns the resident instance for <paramref name="key"/>, loading it when there is none.</summary>
    /// <remarks>
    /// Loads go one at a time, so that two leases loading the same bytes at once load them once. Room is made
    /// for <paramref name="estimateBytes"/> before the load; the books then hold what the load measured, once
    /// per resident model however many leases use it.
    /// </remarks>
    public SharedModel Acquire(SharedModelKey key, DeviceDescriptor device, long estimateBytes, Func<ModelFootprint> load, string leaseId)
    {
        lock (_loadGate)
        {
            List<SharedModel>? evicted;
            lock (_lock)
            {
                if (_models.TryGetValue(key, out var model))
                {
                    // An unused model's catalog reference becomes the new user's reference.
                    if (model.Users > 0 && !model.TryAcquire())
                    {
                        throw new InvalidOperationException("A model in use was disposed.");
                    }

                    model.Users++;
                    model.LastUsed = time.GetTimestamp();
                    RuntimeLog.ModelShared(logger, key.ContentHash, key.DeviceId, leaseId, model.Users);
                    return model;
                }

                evicted = Evict(device, estimateBytes);
            }

            ReleaseAll(evicted);
            var footprint = load();
            var created = new SharedModel(key, footprint.Instance, footprint.MeasuredBytes, OnDisposed)
            {
                LastUsed = time.GetTimestamp(),
                Working = footprint.WarmUpElements is { } warmUp ? new WorkingMemory(warmUp) : null,
            };
            lock (_lock)
            {
                _models[key] = created;
                _resident[key.DeviceId] = _resident.GetValueOrDefault(key.DeviceId) + footprint.MeasuredBytes;
            }

            return created;
        }
    }

    /// <summary>A lease model stopped using <paramref name="model"/>.</summary>
    public void ReleaseUser(SharedModel model, DeviceDescriptor device)
    {
        List<SharedModel>? evicted = null;
        var release = true;
        lock (_lock)
        {
            model.Users--;
            if (model.Users == 0)
            {
                if (model.MemoryBytes <= options.UnusedModelCacheBytes && _models.TryGetValue(model.Key, out var current) && ReferenceEquals(current, model))
                {
                    // Kept: the user's reference becomes the catalog's.
                    model.LastUsed = time.GetTimestamp();
                    release = false;
                    evicted = Evict(device, 0);
                }
                else
                {
                    Forget(model);
                }
            }
        }

        if (release)
        {
            model.Release();
        }

        ReleaseAll(evicted);
    }

    /// <summary>Books working memory a run of <paramref name="model"/> grew (the model holds a run's reference, so it is not disposed).</summary>
    public void Grow(SharedModel model, long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        lock (_lock)
        {
            model.Grow(bytes);
            _resident[model.Key.DeviceId] = _resident.GetValueOrDefault(model.Key.DeviceId) + bytes;
        }
    }

    /// <summary>Device memory held by resident models (used and unused), in bytes.</summary>
    public long ResidentBytes(string deviceId)
    {
        lock (_lock)
        {
            return _resident.GetValueOrDefault(deviceId);
        }
    }

    /// <summary>Whether a model with this key is resident.</summary>
    public bool IsResident(SharedModelKey key)
    {
        lock (_lock)
        {
            return _models.ContainsKey(key);
        }
    }

    private static void ReleaseAll(List<SharedModel>? models)
    {
        if (models is not null)
        {
            foreach (var model in models)
            {
                model.Release();
            }
        }
    }

    /// <summary>Picks unused models to evict, least recently used first (called under the lock).</summary>
    private List<SharedModel>? Evict(DeviceDescriptor device, long incomingBytes)
    {
        List<SharedModel>? evicted = null;
        var unused = _models.Values.Where(m => m.Users == 0 && m.Key.DeviceId == device.Id).OrderBy(m => m.LastUsed).ToList();
        var unusedBytes = unused.Sum(m => m.MemoryBytes);
        var resident = _resident.GetValueOrDefault(device.Id);
        foreach (var model in unused)
        {
            if (unusedBytes <= options.UnusedModelCacheBytes && resident + incomingBytes <= device.TotalMemoryBytes)
            {
                break;
            }

            Forget(model);
            unusedBytes -= model.MemoryBytes;
            resident -= model.MemoryBytes;
            (evicted ??= []).Add(model);
            RuntimeLog.ModelEvicted(logger, model.Key.ContentHash, model.Key.DeviceId, model.MemoryBytes);
        }

        return evicted;
    }

    private void Forget(SharedModel model)
    {
        if (_models.TryGetValue(model.Key, out var current) && ReferenceEquals(current, model))
        {
            _models.Remove(model.Key);
        }
    }

    private void OnDisposed(SharedModel model)
    {
        lock (_lock)
        {
            Forget(model);
            _resident[model.Key.DeviceId] = _resident.GetValueOrDefault(model.Key.DeviceId) - model.MemoryBytes;
        }

        RuntimeLog.ModelDisposed(logger, model.Key.ContentHash, model.Key.DeviceId);
    }
}
