namespace GpuPool.Runtime.Isolation;

/// <summary>The first byte of every frame between the runtime and a worker.</summary>
internal enum WorkerMessage : byte
{
    Load = 1,
    Run = 2,
    Unload = 3,
    Ok = 0x10,
    OutOfMemory = 0x1D,
    InvalidRequest = 0x1E,
    Failed = 0x1F,
}
