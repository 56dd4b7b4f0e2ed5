using System.Globalization;
using System.Text;

namespace GpuPool.Runtime.Models;

/// <summary>Combines requests along the first (batch) dimension and splits the outputs back, byte for byte.</summary>
internal static class BatchTensors
{
    /// <summary>True when every input and output has a dynamic first dimension and fixed-size elements (string rows cannot be split by size).</summary>
    public static bool IsBatchable(IModelInstance instance) =>
        instance.Inputs.Count > 0
        && instance.Inputs.All(i => i.Shape.Count > 0 && i.Shape[0] < 0 && i.ElementType != TensorDataType.String)
        && instance.Outputs.All(o => o.Shape.Count > 0 && o.Shape[0] < 0 && o.ElementType != TensorDataType.String);

    /// <summary>The request's rows and signature, or <see langword="null"/> when its inputs disagree on the batch size.</summary>
    public static (long Rows, string Signature)? Describe(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        long rows = -1;
        var signature = new StringBuilder();
        foreach (var (name, value) in inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (value.Shape.Count == 0 || (rows >= 0 && value.Shape[0] != rows))
            {
                return null;
            }

            rows = value.Shape[0];
            signature.Append(name).Append(':').Append((int)value.ElementType).Append('[');
            for (var d = 1; d < value.Shape.Count; d++)
            {
                signature.Append(value.Shape[d].ToString(CultureInfo.InvariantCulture)).Append(',');
            }

            signature.Append(']');
        }

        return rows < 0 ? null : (rows, signature.ToString());
    }

    public static Dictionary<string, TensorValue> Combine(IReadOnlyList<BatchRequest> batch)
    {
        var first = batch[0].Inputs;
        var total = batch.Sum(r => r.Rows);
        var combined = new Dictionary<string, TensorValue>(first.Count, StringComparer.Ordinal);
        foreach (var (name, sample) in first)
        {
            var data = new byte[batch.Sum(r => (long)r.Inputs[name].Data.Length)];
            var offset = 0;
            foreach (var request in batch)
            {
                var part = request.Inputs[name].Data.Span;
                part.CopyTo(data.AsSpan(offset));
                offset += part.Length;
            }

            var shape = sample.Shape.ToArray();
            shape[0] = total;
            combined.Add(name, new TensorValue(sample.ElementType, shape, data));
        }

        return combined;
    }

    public static Dictionary<string, TensorValue>[] Split(IReadOnlyDictionary<string, TensorValue> outputs, IReadOnlyList<BatchRequest> batch)
    {
        var total = batch.Sum(r => r.Rows);
        var results = batch.Select(_ => new Dictionary<string, TensorValue>(outputs.Count, StringComparer.Ordinal)).ToArray();
        foreach (var (name, value) in outputs)
        {
            if (value.Shape.Count == 0 || value.Shape[0] != total)
            {
                throw new InvalidOperationException(
                    $"Output '{name}' has shape [{string.Join(",", value.Shape)}] for a batch of {total} rows; the model's first dimension is not a batch dimension. Load it without batching.");
            }

            var rowBytes = total == 0 ? 0 : value.Data.Length / total;
            long offset = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                var length = rowBytes * batch[i].Rows;
                var shape = value.Shape.ToArray();
                shape[0] = batch[i].Rows;
                results[i].Add(name, new TensorValue(value.ElementType, shape, value.Data.Slice((int)offset, (int)length)));
                offset += length;
            }
        }

        return results;
    }
}
