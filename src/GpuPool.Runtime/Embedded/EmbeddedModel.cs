using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Embedded;

/// <summary>A model of the embedded pool: a thin handle over the host's loaded model.</summary>
internal sealed class EmbeddedModel(LoadedModel model) : PooledModel
{
    public override string Id => model.Id;

    public override string Name => model.Name;

    public override string ContentHash => model.ContentHash;

    public override ModelFormat Format => model.Format;

    public override IReadOnlyList<TensorInfo> Inputs => model.Instance.Inputs;

    public override IReadOnlyList<TensorInfo> Outputs => model.Instance.Outputs;

    public override long MemoryBytes => model.MemoryBytes;

    /// <summary>The host's model behind this handle.</summary>
    internal LoadedModel Loaded => model;

    public override ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken = default) =>
        model.RunAsync(inputs, cancellationToken);

    public override ValueTask UnloadAsync(CancellationToken cancellationToken = default)
    {
        model.Unload();
        return ValueTask.CompletedTask;
    }
}
