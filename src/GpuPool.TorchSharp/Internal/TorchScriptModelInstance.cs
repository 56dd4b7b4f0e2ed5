using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GpuPool.Runtime.Models;
using TorchSharp;

namespace GpuPool.TorchSharp.Internal;

/// <summary>
/// One <c>torch.jit.load</c>ed module on a device. Runs may be concurrent: libtorch's graph executor is
/// thread-safe for inference, and each run sets the intra-op threads of its own (OpenMP) thread.
/// </summary>
internal sealed class TorchScriptModelInstance : IModelInstance
{
    private readonly torch.jit.ScriptModule _module;
    private readonly torch.Device _device;

    public TorchScriptModelInstance(torch.jit.ScriptModule module, torch.Device device, IReadOnlyList<TensorInfo> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        _module = module;
        _device = device;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>In forward()'s parameter order.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
    {
        TorchThreads.Set(context.IntraOpThreads);
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        var arguments = new object[Inputs.Count];
        for (var i = 0; i < Inputs.Count; i++)
        {
            arguments[i] = ToTorch(inputs[Inputs[i].Name]);
        }

        object result;
        try
        {
            result = _module.forward(arguments);
        }
        catch (ExternalException ex)
        {
            throw new InvalidPoolRequestException($"The TorchScript model rejected the inputs: {FirstLine(ex.Message)}", null, ex);
        }

        return ToOutputs(result);
    }

    public void Dispose() => _module.Dispose();

    private torch.Tensor ToTorch(TensorValue value)
    {
        var tensor = torch.empty([.. value.Shape], TorchTypes.ToTorch(value.ElementType));
        if (value.Data.Length > 0)
        {
            tensor.bytes = MemoryMarshal.AsMemory(value.Data).Span;
        }

        return _device.type == DeviceType.CPU ? tensor : tensor.to(_device);
    }

    private Dictionary<string, TensorValue> ToOutputs(object result)
    {
        var outputs = new Dictionary<string, TensorValue>(Outputs.Count, StringComparer.Ordinal);
        switch (result)
        {
            case torch.Tensor tensor:
                Expect(1, "one tensor");
                outputs.Add(Outputs[0].Name, ToPool(Outputs[0], tensor));
                break;
            case ITuple tuple:
                Expect(tuple.Length, $"a tuple of {tuple.Length}");
                for (var i = 0; i < tuple.Length; i++)
                {
                    outputs.Add(Outputs[i].Name, ToPool(Outputs[i], AsTensor(tuple[i], i)));
                }

                break;
            case IEnumerable sequence:
                var tensors = sequence.Cast<object>().ToList();
                Expect(tensors.Count, $"{tensors.Count} values");
                for (var i = 0; i < tensors.Count; i++)
                {
                    outputs.Add(Outputs[i].Name, ToPool(Outputs[i], AsTensor(tensors[i], i)));
                }

                break;
            default:
                throw new InvalidOperationException($"The TorchScript model returned a {result?.GetType().Name ?? "null"}; expected a tensor, or a tuple or list of tensors.");
        }

        return outputs;
    }

    private static torch.Tensor AsTensor(object? value, int index) =>
        value as torch.Tensor ?? throw new InvalidOperationException($"The TorchScript model's output {index} is a {value?.GetType().Name ?? "null"}, not a tensor.");

    private void Expect(int count, string what)
    {
        if (count != Outputs.Count)
        {
            throw new InvalidOperationException($"The TorchScript model returned {what} but its signature declares {Outputs.Count} output(s): {string.Join(", ", Outputs)}.");
        }
    }

    private static TensorValue ToPool(TensorInfo info, torch.Tensor tensor)
    {
        var type = TorchTypes.ToPool(tensor.dtype);
        if (type != info.ElementType)
        {
            throw new InvalidOperationException($"The TorchScript model's output '{info.Name}' is {tensor.dtype} but its signature declares {info.ElementType}.");
        }

        using var host = tensor.cpu().contiguous();
        return new TensorValue(type, host.shape, host.bytes.ToArray());
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
