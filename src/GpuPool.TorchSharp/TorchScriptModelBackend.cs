using GpuPool.Runtime.Models;
using GpuPool.TorchSharp.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace GpuPool.TorchSharp;

/// <summary>
/// Runs TorchScript models with TorchSharp (<c>torch.jit.load</c>) on the lease's device: <c>cuda:N</c> on an
/// NVIDIA GPU (with a CUDA build of libtorch), the CPU otherwise, with the share's intra-op threads per run.
/// </summary>
/// <remarks>
/// <para>Inputs and outputs are declared by the archive's <c>extra/gpupool.json</c> (see <see cref="TorchScriptSignature"/>).</para>
/// <para>Memory charged to the lease is the archive's tensor storages (parameters, buffers and tensor constants), which
/// stay resident on the device while the model is loaded. Activations of a run are not charged and, in the pool's own
/// process, not capped: libtorch has no per-module memory limit. Leases that need a hard cap on a GPU run their models in a
/// worker process whose allocator is limited (<see cref="TorchWorkerEnvironment"/>).</para>
/// </remarks>
public sealed class TorchScriptModelBackend : IModelBackend
{
    private readonly ILogger _logger;

    /// <summary>Creates the backend.</summary>
    public TorchScriptModelBackend(ILogger<TorchScriptModelBackend>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public ModelFormat Format => ModelFormat.TorchScript;

    /// <inheritdoc />
    public bool Supports(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!TorchDevices.IsCuda(device))
        {
            return device.IsSimulated || device.Kind == DeviceKind.Cpu;
        }

        EnsureNative();
        return torch.cuda.is_available() && device.Ordinal < torch.cuda.device_count();
    }

    /// <inheritdoc />
    public long EstimateMemory(in ModelLoadContext context) => TorchScriptArchive.Read(context.Bytes).StorageBytes;

    /// <inheritdoc />
    public IModelInstance Load(in ModelLoadContext context)
    {
        var archive = TorchScriptArchive.Read(context.Bytes);
        var signature = archive.Signature ?? throw new InvalidPoolRequestException(
            $"The TorchScript model ({archive.RootClass}) does not declare its inputs and outputs. Add extra/{TorchScriptSignature.FileName} to the archive: " +
            "torch.jit.save(m, path, _extra_files={\"gpupool.json\": json.dumps({\"inputs\": [{\"name\": \"x\", \"type\": \"float32\", \"shape\": [-1, 8]}], \"outputs\": [...]})}) in Python, or TorchScriptSignature.Attach in .NET.");
        var inputs = OrderInputs(archive, signature);
        EnsureNative();
        var device = TorchDevices.For(context.Device);
        torch.jit.ScriptModule module;
        try
        {
            module = torch.jit.load(context.Bytes.ToArray(), device);
        }
        catch (System.Runtime.InteropServices.ExternalException ex)
        {
            TorchSharpLog.TorchScriptRejected(_logger, archive.RootClass, ex);
            throw new InvalidPoolRequestException($"torch.jit.load rejected the TorchScript model ({archive.RootClass}): {ex.Message}", null, ex);
        }

        module.eval();
        TorchSharpLog.TorchScriptLoaded(_logger, archive.RootClass, device, inputs.Count, signature.Outputs.Count, archive.StorageBytes);
        return new TorchScriptModelInstance(module, device, inputs, signature.Outputs);
    }

    // forward() takes its arguments by position; the declared inputs are put in the order of its parameters.
    private static IReadOnlyList<TensorInfo> OrderInputs(TorchScriptArchive archive, TorchScriptSignature signature)
    {
        if (archive.Forward?.Parameters is not { } parameters)
        {
            return signature.Inputs;
        }

        var byName = signature.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        if (parameters.Count != byName.Count || !parameters.All(byName.ContainsKey))
        {
            throw new InvalidPoolRequestException(
                $"The TorchScript model's forward() takes ({string.Join(", ", parameters)}) but extra/{TorchScriptSignature.FileName} declares the inputs ({string.Join(", ", signature.Inputs.Select(i => i.Name))}): name one input per forward() parameter.");
        }

        return [.. parameters.Select(p => byName[p])];
    }

    private void EnsureNative()
    {
        if (!TorchNatives.TryLoad(out var problem))
        {
            var error = new InvalidOperationException(problem);
            TorchSharpLog.NativeLoadFailed(_logger, error);
            throw error;
        }

        try
        {
            _ = torch.get_num_threads();
        }
        catch (Exception ex) when (ex is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            TorchSharpLog.NativeLoadFailed(_logger, ex);
            throw new InvalidOperationException(
                "TorchSharp's native library (libtorch) could not be loaded. Reference a libtorch package (for example libtorch-cpu-linux-x64) in the application; " +
                "on Linux distributions older than GCC 13's libstdc++ (Debian 12, Ubuntu 22.04) install g++ and patchelf and build again, so the build patches the output's copy (docs/torchsharp.md). Cause: " + (ex.InnerException ?? ex).Message.Split('\n')[0],
                ex);
        }
    }
}
