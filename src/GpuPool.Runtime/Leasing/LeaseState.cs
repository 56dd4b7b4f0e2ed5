namespace GpuPool.Runtime.Leasing;

/// <summary>Where a lease is in its life.</summary>
internal enum LeaseState
{
    /// <summary>Granted and alive.</summary>
    Active = 0,

    /// <summary>Released by its holder.</summary>
    Released = 1,

    /// <summary>Taken back by the pool (expired, revoked, worker lost).</summary>
    Lost = 2,
}
