using GpuPool.Protocol.Conversion;
using GpuPool.Runtime.Models;
using GpuPool.Server.Errors;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Models;

/// <summary>Wire forms of loaded models and load options.</summary>
internal static class ModelWire
{
    /// <summary>The longest batching delay a client may ask for (the engine allows up to 10 s).</summary>
    public const long MaxQueueDelayUs = 10_000_000;

    /// <summary>The wire form; <paramref name="id"/> is the id clients use (a durable id when persistence is on).</summary>
    public static V1.Model ToWire(LoadedModel model, string? id = null)
    {
        var wire = new V1.Model
        {
            Id = id ?? model.Id,
            LeaseId = model.Lease.Id,
            Name = model.Name,
            Sha256 = model.ContentHash,
            Format = WireFormat.ToWire(model.Format),
            MemoryBytes = model.MemoryBytes,
        };
        wire.Inputs.AddRange(model.Instance.Inputs.Select(WireFormat.ToWire));
        wire.Outputs.AddRange(model.Instance.Outputs.Select(WireFormat.ToWire));
        return wire;
    }

    public static ModelOptions ToOptions(V1.ModelHeader header)
    {
        BatchingOptions? batching = null;
        if (header.Batching is { } b)
        {
            // Checked before the conversion: a huge delay would overflow TimeSpan (INTERNAL) instead of being refused.
            if (b.MaxBatchSize < 1 || b.MaxQueueDelayUs is < 0 or > MaxQueueDelayUs)
            {
                throw new InvalidPoolRequestException($"Batching needs max_batch_size >= 1 and max_queue_delay_us between 0 and {MaxQueueDelayUs} (10 s); got {b.MaxBatchSize} and {b.MaxQueueDelayUs}.");
            }

            batching = new BatchingOptions { MaxBatchSize = b.MaxBatchSize, MaxQueueDelay = TimeSpan.FromMicroseconds(b.MaxQueueDelayUs) };
        }

        if (header.Name.Length > 256)
        {
            throw new InvalidPoolRequestException($"The model name is {header.Name.Length} characters; at most 256 are allowed.");
        }

        // The name reaches the engine's logs unscrubbed; a control character there could forge a log line.
        if (ClientText.HasUnsafeCharacters(header.Name))
        {
            throw new InvalidPoolRequestException("The model name must not contain control, format or line-separator characters.");
        }

        return new ModelOptions
        {
            Format = WireFormat.FromWire(header.Format),
            Name = header.Name.Length == 0 ? null : header.Name,
            Batching = batching,
        };
    }
}
