namespace GpuPool.Runtime.Models;

/// <summary>A loaded model, ready to run. Instances may be shared by several leases; runs may be concurrent.</summary>
public interface IModelInstance : IDisposable
{
    /// <summary>The inputs the model takes.</summary>
    IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The outputs the model produces.</summary>
    IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>Runs the model synchronously on validated inputs, on the calling thread.</summary>
    IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context);
}
