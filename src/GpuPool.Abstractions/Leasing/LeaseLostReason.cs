namespace GpuPool;

/// <summary>Why a lease ended without its holder releasing it.</summary>
public enum LeaseLostReason
{
    /// <summary>The lease was not lost.</summary>
    None = 0,

    /// <summary>Its time-to-live passed without a renewal.</summary>
    Expired = 1,

    /// <summary>An administrator revoked it.</summary>
    Revoked = 2,

    /// <summary>The connection to the pool server was lost for longer than the time-to-live.</summary>
    ConnectionLost = 3,

    /// <summary>The worker process that hosted its models exited.</summary>
    WorkerExited = 4,

    /// <summary>The pool server restarted and no longer knows the lease.</summary>
    ServerRestarted = 5,

    /// <summary>The lease was released by its holder.</summary>
    Released = 6,

    /// <summary>The pool declared the node that served it dead (silent past the pool's grace).</summary>
    NodeLost = 7,
}
