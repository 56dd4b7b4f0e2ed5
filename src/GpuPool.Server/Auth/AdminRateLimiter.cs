using System.Globalization;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Auth;

/// <summary>
/// A token bucket per admin tenant on the injected clock: admin calls read every lease and the whole
/// inventory, so a leaked or looping admin key must not be able to spend the server on them.
/// <c>GpuPoolServer:AdminCallsPerSecond</c> calls a second on average, bursts of up to twice that.
/// </summary>
internal sealed class AdminRateLimiter(IOptions<GpuPoolServerOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly double _rate = options.Value.AdminCallsPerSecond;

    /// <summary>Takes one call from <paramref name="tenant"/>'s bucket; throws <see cref="QuotaExceededException"/> (with a retry-after) when it is empty.</summary>
    public void Take(string tenant)
    {
        var now = time.GetTimestamp();
        var burst = _rate * 2;
        lock (_lock)
        {
            if (!_buckets.TryGetValue(tenant, out var bucket))
            {
                bucket = new Bucket { Tokens = burst, At = now };
                _buckets[tenant] = bucket;
            }

            bucket.Tokens = Math.Min(burst, bucket.Tokens + (time.GetElapsedTime(bucket.At, now).TotalSeconds * _rate));
            bucket.At = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return;
            }

            var retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / _rate);
            throw new QuotaExceededException(
                string.Create(CultureInfo.InvariantCulture, $"Admin calls are limited to {_rate} a second (GpuPoolServer:AdminCallsPerSecond); retry in {retryAfter.TotalMilliseconds:F0} ms."),
                retryAfter);
        }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        public long At { get; set; }
    }
}
