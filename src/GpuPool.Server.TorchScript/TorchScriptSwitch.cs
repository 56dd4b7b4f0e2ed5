using GpuPool.Runtime.Models;
using GpuPool.TorchSharp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.TorchScript;

/// <summary>
/// The add-on server's TorchScript backend: <see cref="TorchScriptModelBackend"/> when <c>GpuPoolServer:TorchScript</c>
/// is on (decided when the model host is built, so every configuration source counts); otherwise a clear
/// refusal. libtorch loads only with the first TorchScript model.
/// </summary>
internal sealed class TorchScriptSwitch(IOptions<GpuPoolServerOptions> options, ILogger<TorchScriptModelBackend> logger) : IModelBackend
{
    private readonly TorchScriptModelBackend? _backend = options.Value.TorchScript ? new TorchScriptModelBackend(logger) : null;

    public ModelFormat Format => ModelFormat.TorchScript;

    public bool Supports(DeviceDescriptor device) => _backend?.Supports(device) ?? true;

    public long EstimateMemory(in ModelLoadContext context) => Backend.EstimateMemory(context);

    public IModelInstance Load(in ModelLoadContext context) => Backend.Load(context);

    private TorchScriptModelBackend Backend => _backend ?? throw new InvalidPoolRequestException(
        "TorchScript models are turned off on this server (GpuPoolServer:TorchScript is false); upload an ONNX model.");
}
