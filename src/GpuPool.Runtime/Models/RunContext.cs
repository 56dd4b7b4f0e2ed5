namespace GpuPool.Runtime.Models;

/// <summary>How one run should execute: the threads it may use and the stream it runs on.</summary>
/// <param name="IntraOpThreads">CPU threads the run may use (its share of the cores).</param>
/// <param name="Stream">A native stream handle (a CUDA stream per lease), or zero for the default.</param>
public readonly record struct RunContext(int IntraOpThreads, nint Stream = 0);
