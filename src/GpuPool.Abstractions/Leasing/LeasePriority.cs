namespace GpuPool;

/// <summary>Priority of a lease in the wait queue and on the device scheduler.</summary>
public enum LeasePriority
{
    /// <summary>Opportunistic: runs on borrowed capacity and is the first to lose it.</summary>
    Low = 0,

    /// <summary>The default.</summary>
    Normal = 1,

    /// <summary>Served first in the wait queue and on the device.</summary>
    High = 2,
}
