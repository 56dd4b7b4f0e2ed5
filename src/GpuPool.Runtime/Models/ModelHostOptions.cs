using System.ComponentModel.DataAnnotations;

namespace GpuPool.Runtime.Models;

/// <summary>Settings of the <see cref="ModelHost"/>.</summary>
public sealed class ModelHostOptions
{
    /// <summary>
    /// Bytes of device memory that models no lease uses any more may keep occupying per device, so that a
    /// lease loading the same model again gets it at once. 0 (the default) unloads a model when its last
    /// user releases it. Kept models are evicted least recently used first when the budget is exceeded
    /// or when a new model needs the device's memory.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long UnusedModelCacheBytes { get; set; }
}
