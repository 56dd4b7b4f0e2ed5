using GpuPool.Runtime.Models;

namespace GpuPool.Server.Tests.Support;

/// <summary>
/// Replaces the ONNX backend with echo models ("x" float32 [n] → "y", the same values) whose runs wait at a gate
/// the test opens: a test can hold the device's run slots and see which runs the server started. The warm-up run of a
/// load on the CPU device (all zeros) passes without waiting and is not counted.
/// </summary>
internal sealed class GatedBackend : IModelBackend, IDisposable
{
    private readonly ManualResetEventSlim _gate = new();
    private readonly SemaphoreSlim _entered = new(0);
    private int _runs;

    /// <summary>Runs that reached the model.</summary>
    public int Runs => Volatile.Read(ref _runs);

    public ModelFormat Format => ModelFormat.Onnx;

    public bool Supports(DeviceDescriptor device) => true;

    public long EstimateMemory(in ModelLoadContext context) => context.Bytes.Length;

    public IModelInstance Load(in ModelLoadContext context) => new GatedModel(this);

    /// <summary>Lets every waiting and later run through.</summary>
    public void Open() => _gate.Set();

    /// <summary>Waits until one more run has reached the model.</summary>
    public Task WhenEnteredAsync() => _entered.WaitAsync(Signals.Ceiling);

    public void Dispose()
    {
        _gate.Dispose();
        _entered.Dispose();
    }

    private sealed class GatedModel(GatedBackend backend) : IModelInstance
    {
        public IReadOnlyList<TensorInfo> Inputs { get; } = [new TensorInfo("x", TensorDataType.Float32, [-1])];

        public IReadOnlyList<TensorInfo> Outputs { get; } = [new TensorInfo("y", TensorDataType.Float32, [-1])];

        public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
        {
            if (!inputs["x"].Data.Span.ContainsAnyExcept((byte)0))
            {
                return new Dictionary<string, TensorValue>(StringComparer.Ordinal) { ["y"] = inputs["x"] };
            }

            Interlocked.Increment(ref backend._runs);
            backend._entered.Release();
            backend._gate.Wait(Signals.Ceiling);
            return new Dictionary<string, TensorValue>(StringComparer.Ordinal) { ["y"] = inputs["x"] };
        }

        public void Dispose()
        {
        }
    }
}
