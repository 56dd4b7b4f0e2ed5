namespace GpuPool.Protocol;

/// <summary>
/// The values of the <see cref="Trailer"/> response trailer: they tell the client which of its exception
/// types a status stands for, where one status code covers several (RESOURCE_EXHAUSTED, NOT_FOUND).
/// </summary>
public static class ErrorKinds
{
    /// <summary>The trailer that carries the kind.</summary>
    public const string Trailer = "gpupool-error";

    /// <summary>Trailer with the address of the node that serves a lease, on a call sent to another node of a pool (kind <see cref="LeaseElsewhere"/>).</summary>
    public const string LeaseOwnerTrailer = "gpupool-lease-owner";

    /// <summary>The trailer that carries the retry-after delay in milliseconds.</summary>
    public const string RetryAfterTrailer = "gpupool-retry-after-ms";

    /// <summary>The trailer that carries the <see cref="LeaseLostReason"/> (as a number) of a lost lease.</summary>
    public const string LostReasonTrailer = "gpupool-lost-reason";

    /// <summary>The request header that carries the API key.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>INVALID_ARGUMENT: the request is malformed or can never be satisfied.</summary>
    public const string InvalidRequest = "invalid-request";

    /// <summary>RESOURCE_EXHAUSTED: a message or model is over the configured size limit.</summary>
    public const string TooLarge = "too-large";

    /// <summary>DEADLINE_EXCEEDED: a model upload did not finish within the server's upload timeout.</summary>
    public const string UploadTimeout = "upload-timeout";

    /// <summary>RESOURCE_EXHAUSTED: a tenant or lease quota would be exceeded.</summary>
    public const string QuotaExceeded = "quota-exceeded";

    /// <summary>RESOURCE_EXHAUSTED: no capacity now (a queue is full); retry after the given delay.</summary>
    public const string CapacityExceeded = "capacity-exceeded";

    /// <summary>RESOURCE_EXHAUSTED: no slice came free within the wait timeout.</summary>
    public const string LeaseTimeout = "lease-timeout";

    /// <summary>NOT_FOUND: the server does not know the lease.</summary>
    public const string LeaseNotFound = "lease-not-found";

    /// <summary>NOT_FOUND: the lease has no such model.</summary>
    public const string ModelNotFound = "model-not-found";

    /// <summary>NOT_FOUND: this tenant has not uploaded that model content (upload it).</summary>
    public const string ModelContentNotFound = "model-content-not-found";

    /// <summary>FAILED_PRECONDITION: the lease ended (expired, revoked, released).</summary>
    public const string LeaseLost = "lease-lost";

    /// <summary>The lease is live but served by another node of the pool: its address is in <see cref="LeaseOwnerTrailer"/>.</summary>
    public const string LeaseElsewhere = "lease-elsewhere";

    /// <summary>FAILED_PRECONDITION: the fencing token named in the request is not the lease's.</summary>
    public const string StaleFencingToken = "stale-fencing-token";

    /// <summary>PERMISSION_DENIED: the lease or model belongs to another tenant, or the call needs the admin role.</summary>
    public const string PermissionDenied = "permission-denied";

    /// <summary>UNAUTHENTICATED: the API key is missing or unknown.</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>UNAVAILABLE: the pool cannot serve the request now.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>INVALID_ARGUMENT: a shared-memory file or range the server refuses (not shared memory, a symlink, outside the region).</summary>
    public const string SharedMemoryInvalid = "shared-memory-invalid";

    /// <summary>NOT_FOUND: the lease has no such shared-memory region, or the file is not on the server's machine.</summary>
    public const string SharedMemoryNotFound = "shared-memory-not-found";

    /// <summary>ALREADY_EXISTS: the lease already has a shared-memory region of that name.</summary>
    public const string SharedMemoryExists = "shared-memory-exists";

    /// <summary>FAILED_PRECONDITION: the server does not serve shared memory (GpuPoolServer:SharedMemory:Enabled).</summary>
    public const string SharedMemoryDisabled = "shared-memory-disabled";
}
