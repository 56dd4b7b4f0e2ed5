using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Tests.Sharing;

/// <summary>
/// A backend that loads "models" whose size is their byte count in MiB and whose runs echo their input;
/// it counts loads and disposals, and a run can be held open to test disposal while runs are in flight.
/// </summary>
internal sealed class CountingBackend : IModelBackend
{
    private int _loads;

    public ModelFormat Format => ModelFormat.Onnx;

    public int Loads => Volatile.Read(ref _loads);

    public List<CountingInstance> Instances { get; } = [];

    public ManualResetEventSlim? HoldRuns { get; set; }

    public ManualResetEventSlim RunStarted { get; } = new();

    public static byte[] Model(int mebibytes, byte fill = 1) => Enumerable.Repeat(fill, mebibytes).ToArray();

    public bool Supports(DeviceDescriptor device) => true;

    public long EstimateMemory(in ModelLoadContext context) => context.Bytes.Length * 1024L * 1024L;

    public IModelInstance Load(in ModelLoadContext context)
    {
        Interlocked.Increment(ref _loads);
        var instance = new CountingInstance(this);
        lock (Instances)
        {
            Instances.Add(instance);
        }

        return instance;
    }

    internal sealed class CountingInstance(CountingBackend backend) : IModelInstance
    {
        public IReadOnlyList<TensorInfo> Inputs { get; } = [new("x", TensorDataType.Float32, [-1])];

        public IReadOnlyList<TensorInfo> Outputs { get; } = [new("y", TensorDataType.Float32, [-1])];

        public bool IsDisposed { get; private set; }

        public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            backend.RunStarted.Set();
            backend.HoldRuns?.Wait(TimeSpan.FromSeconds(30));
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return new Dictionary<string, TensorValue> { ["y"] = inputs["x"] };
        }

        public void Dispose() => IsDisposed = true;
    }
}
