namespace GpuPool.Runtime.Devices.Amd;

/// <summary>An AMD GPU or Hygon DCU as ROCm SMI describes it.</summary>
/// <param name="Id">The pool's device id (<c>amd{index}</c> or <c>hygon{index}</c>).</param>
/// <param name="Index">The ROCm SMI device index.</param>
internal sealed record AmdGpu(string Id, int Index);
