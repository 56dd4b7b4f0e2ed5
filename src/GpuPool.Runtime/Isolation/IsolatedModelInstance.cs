using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Isolation;

/// <summary>A model loaded in a lease's worker process; runs are forwarded to the worker.</summary>
internal sealed class IsolatedModelInstance : IModelInstance
{
    private readonly LeaseWorker _worker;
    private readonly WorkerModel _model;

    public IsolatedModelInstance(LeaseWorker worker, WorkerModel model)
    {
        _worker = worker;
        _model = model;
        (Inputs, Outputs, MeasuredBytes) = worker.Load(model);
    }

    /// <summary>The worker's resident growth across the model's load and first run, in bytes.</summary>
    public long MeasuredBytes { get; }

    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context) =>
        _worker.Run(_model, inputs);

    public void Dispose() => _worker.Unload(_model.Id);
}
