namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>An Ascend chip as DCMI addresses it.</summary>
/// <param name="Id">The pool's device id (<c>ascend{logical id}</c>).</param>
/// <param name="Card">The DCMI card id.</param>
/// <param name="Device">The chip's device id within the card.</param>
internal sealed record AscendNpu(string Id, int Card, int Device);
