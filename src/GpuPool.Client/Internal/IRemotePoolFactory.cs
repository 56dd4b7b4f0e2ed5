namespace GpuPool.Internal;

/// <summary>Creates the remote pool client for a server address.</summary>
internal interface IRemotePoolFactory
{
    IGpuPool Create(GpuPoolOptions options);
}
