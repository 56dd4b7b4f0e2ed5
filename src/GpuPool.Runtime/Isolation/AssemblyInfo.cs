using System.Runtime.CompilerServices;

// The worker executable speaks the runtime's internal worker protocol.
[assembly: InternalsVisibleTo("GpuPool.Worker")]
