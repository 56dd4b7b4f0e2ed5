namespace GpuPool.Server.Errors;

/// <summary>Carries a <see cref="ServerError"/> with a specific kind (not-found cases) through the call pipeline.</summary>
internal sealed class ServerErrorException(ServerError error) : Exception(error.Message)
{
    public ServerError Error { get; } = error;
}
