namespace GpuPool.Runtime.Isolation;

/// <summary>What a worker needs to load a model, kept so that a new worker can load it again.</summary>
internal sealed record WorkerModel(string Id, ModelFormat Format, DeviceDescriptor Device, long MemoryLimitBytes, int IntraOpThreads, ReadOnlyMemory<byte> Bytes);
