namespace GpuPool.Runtime.Leasing;

/// <summary>
/// The declared order of lease-end work; observers run from the lowest value up, whatever order they were
/// created in. Before any of them the table has already freed the lease's capacity in the books (and
/// granted waiters), recorded the end in the journal, and fired the lease's lost token. Then:
/// models go before CUDA, because a loaded model runs on the lease's CUDA stream and in its reserved
/// memory; bookkeeping of what the lease held goes next; the holder is told last, so that when it hears
/// of the end every resource of the lease is gone and asking about the lease says why it ended.
/// </summary>
internal enum LeaseEndStage
{
    /// <summary>The model host unloads the lease's models and ends its worker process.</summary>
    Models = 100,

    /// <summary>Durable models forget the lease's model records (the models are already unloaded).</summary>
    DurableModels = 200,

    /// <summary>The CUDA layer destroys the lease's stream and frees its reserved memory.</summary>
    Cuda = 300,

    /// <summary>The embedded pool stops renewing the lease.</summary>
    KeepAlive = 400,

    /// <summary>The server remembers why the lease ended, before the holder can ask.</summary>
    EndedLeaseRecords = 500,

    /// <summary>The server tells the session stream that holds the lease.</summary>
    Holders = 600,
}
