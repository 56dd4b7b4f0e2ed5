using System.Runtime.CompilerServices;

// The server observes lease ends (ILeaseEndObserver) and is the only other assembly that drives the table.
[assembly: InternalsVisibleTo("GpuPool.Server")]
