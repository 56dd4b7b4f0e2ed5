using GpuPool.Samples.Models;
using GpuPool.Testing;

namespace GpuPool.Benchmarks.Remote;

/// <summary>A model and the inputs of one run, for remote-infer.</summary>
internal sealed record InferWorkload(string Name, byte[] ModelBytes, IReadOnlyDictionary<string, TensorValue> Inputs)
{
    private static readonly string[] Sentences =
    [
        "A GPU pool leases slices of a card to many applications.",
        "Each lease has a memory quota and a share of the compute.",
        "The server multiplexes the leases' work on the physical devices.",
        "Sentence embeddings map text to vectors that can be compared.",
        "Cosine similarity ranks documents against a query.",
        "The keep-alive stream renews every lease of a client.",
        "Placement keeps fragmentation low across the cluster.",
        "A model uploaded once is shared by content hash.",
    ];

    /// <summary>all-MiniLM-L6-v2 (the samples' model) on <paramref name="sentences"/> sentences; it returns every token's state.</summary>
    public static InferWorkload MiniLm(int sentences)
    {
        var batch = Enumerable.Range(0, sentences).Select(i => Sentences[i % Sentences.Length]).ToArray();
        return new InferWorkload($"all-MiniLM-L6-v2-{sentences}-sentences", Samples.Models.MiniLm.LoadModelBytes(), Samples.Models.MiniLm.Tokenize(batch));
    }

    /// <summary>A chain of <paramref name="depth"/> <paramref name="size"/>-square MatMul + Relu layers on a batch of <paramref name="batch"/> rows.</summary>
    public static InferWorkload MatMulChain(int size, int depth, int batch) => new(
        $"matmul-chain-{size}x{depth}-batch{batch}",
        TestModels.MatMulChain(size, depth),
        new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(5, batch * size), batch, size) });
}
