using GpuPool.Runtime.Models;

namespace GpuPool.Server.Models;

/// <summary>
/// The plain server's TorchScript backend: it carries no libtorch, so a TorchScript model is refused
/// (<c>InvalidArgument</c>) with the name of the server that runs it, the TorchScript add-on
/// (<c>GpuPool.Server.TorchScript</c>), which replaces this registration.
/// </summary>
internal sealed class TorchScriptUnavailableBackend : IModelBackend
{
    /// <summary>The refusal, also what the add-on's host says when <c>GpuPoolServer:TorchScript</c> is off.</summary>
    public const string Message =
        "This server does not run TorchScript models: it is built without libtorch. Run the TorchScript add-on server " +
        "(dotnet run --project src/GpuPool.Server.TorchScript, or deploy GpuPool.Server.TorchScript), or upload an ONNX model.";

    public ModelFormat Format => ModelFormat.TorchScript;

    public bool Supports(DeviceDescriptor device) => true;

    public long EstimateMemory(in ModelLoadContext context) => throw new InvalidPoolRequestException(Message);

    public IModelInstance Load(in ModelLoadContext context) => throw new InvalidPoolRequestException(Message);
}
