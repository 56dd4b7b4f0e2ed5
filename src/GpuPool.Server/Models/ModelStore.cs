using Microsoft.Extensions.Options;

namespace GpuPool.Server.Models;

/// <summary>
/// Uploaded model bytes by SHA-256. Storage is shared between tenants, but a tenant may load content by
/// hash only if it uploaded that content itself: naming another tenant's hash gives nothing. Unused
/// content is evicted oldest first when the store passes its size.
/// </summary>
internal sealed class ModelStore(IOptions<GpuPoolServerOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _content = new(StringComparer.Ordinal);
    private readonly HashSet<(string Tenant, string Hash)> _uploads = [];
    private readonly long _capacity = options.Value.ModelCacheBytes;
    private long _bytes;

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The content if <paramref name="tenant"/> uploaded it before and it is still stored.</summary>
    public bool TryGet(string tenant, string hash, out ReadOnlyMemory<byte> bytes)
    {
        lock (_lock)
        {
            if (_uploads.Contains((tenant, hash)) && _content.TryGetValue(hash, out var entry))
            {
                entry.LastUsed = time.GetTimestamp();
                bytes = entry.Bytes;
                return true;
            }
        }

        bytes = default;
        return false;
    }

    /// <summary>Records a complete upload by <paramref name="tenant"/>.</summary>
    public void Add(string tenant, string hash, byte[] bytes)
    {
        lock (_lock)
        {
            _uploads.Add((tenant, hash));
            if (_content.TryGetValue(hash, out var existing))
            {
                existing.LastUsed = time.GetTimestamp();
                return;
            }

            if (bytes.LongLength > _capacity)
            {
                return;
            }

            _content[hash] = new Entry(bytes) { LastUsed = time.GetTimestamp() };
            _bytes += bytes.LongLength;
            while (_bytes > _capacity)
            {
                var oldest = _content.MinBy(e => e.Value.LastUsed);
                _content.Remove(oldest.Key);
                _bytes -= oldest.Value.Bytes.LongLength;
            }
        }
    }

    private sealed class Entry(byte[] bytes)
    {
        public byte[] Bytes { get; } = bytes;

        public long LastUsed { get; set; }
    }
}
