namespace GpuPool.Runtime.Models;

/// <summary>One caller's request waiting to join a batch.</summary>
internal sealed class BatchRequest(IReadOnlyDictionary<string, TensorValue> inputs, long rows, string signature)
{
    public IReadOnlyDictionary<string, TensorValue> Inputs { get; } = inputs;

    /// <summary>Its size along the batch dimension.</summary>
    public long Rows { get; } = rows;

    /// <summary>Element types and non-batch dimensions of its inputs; only equal signatures combine.</summary>
    public string Signature { get; } = signature;

    public TaskCompletionSource<IReadOnlyDictionary<string, TensorValue>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
