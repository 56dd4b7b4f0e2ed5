namespace GpuPool.Remote;

/// <summary>The server's bulk endpoint could not be reached: the run was not sent, and goes over gRPC instead.</summary>
internal sealed class BulkUnavailableException(string message, Exception innerException) : Exception(message, innerException);
