using System.Runtime.InteropServices;
using GpuPool.OnnxRuntime;
using GpuPool.OnnxRuntime.Internal;
using GpuPool.Runtime.Models;
using GpuPool.Testing.Onnx;

namespace GpuPool.Server.Tests.SharedMemory;

/// <summary>
/// The ONNX backend writing outputs into memory the server names (a shared-memory region's range): by ONNX Runtime
/// itself when the output's shape is known before the run, else copied there once, else (it does not fit) by value.
/// </summary>
public sealed class OnnxOutputTargetsTests
{
    private static readonly DeviceDescriptor Cpu = new()
    {
        Id = "cpu0",
        Node = "node-a",
        Kind = DeviceKind.Cpu,
        Vendor = DeviceVendor.Unknown,
        Model = "CPU",
        TotalMemoryBytes = ByteSize.GiB(1),
        ComputeUnits = 2,
    };

    private static readonly float[] X = [-1, 2, -3, 4, 5, -6];
    private static readonly float[] Relu = [0, 2, 0, 4, 5, 0];

    [Fact]
    public void Run_OutputShapeFromTheInputsSymbolicDimension_WrittenIntoTheTarget()
    {
        using var instance = Load(new OnnxGraphBuilder().Input("x", "n").Output("y", "n").Node("Relu", ["x"], ["y"]).Build());
        var target = new Memory<byte>(new byte[64]);

        var y = Run(instance, TensorValue.FromArray(X, X.Length), target)["y"];

        Assert.True(TargetedRunInputs.IsIn(y, target));
        Assert.Equal([X.Length], y.Shape);
        Assert.Equal(Relu, MemoryMarshal.Cast<byte, float>(target.Span[..(X.Length * sizeof(float))]).ToArray());
        Assert.Equal(new byte[64 - (X.Length * sizeof(float))], target.Span[(X.Length * sizeof(float))..].ToArray());
    }

    [Fact]
    public void Run_FixedOutputShape_WrittenIntoTheTarget()
    {
        using var instance = Load(new OnnxGraphBuilder().Input("x", 2, 3).Output("y", 2, 3).Node("Relu", ["x"], ["y"]).Build());
        var target = new Memory<byte>(new byte[X.Length * sizeof(float)]);

        var y = Run(instance, TensorValue.FromArray(X, 2, 3), target)["y"];

        Assert.True(TargetedRunInputs.IsIn(y, target));
        Assert.Equal([2L, 3], y.Shape);
        Assert.Equal(Relu, y.ToArray<float>());
    }

    [Fact]
    public void Run_OutputShapeUnknownBeforeTheRun_CopiedIntoTheTarget()
    {
        // "m" is no input's dimension: the shape is known only once the model ran.
        using var instance = Load(new OnnxGraphBuilder().Input("x", "n").Output("y", "m").Node("Relu", ["x"], ["y"]).Build());
        var target = new Memory<byte>(new byte[64]);

        var y = Run(instance, TensorValue.FromArray(X, X.Length), target)["y"];

        Assert.True(TargetedRunInputs.IsIn(y, target));
        Assert.Equal(Relu, y.ToArray<float>());
    }

    [Fact]
    public void Run_OneOfTwoOutputsTargeted_ThatOneInTheTargetTheOtherByValue()
    {
        using var instance = Load(new OnnxGraphBuilder().Input("x", "n").Output("y", "n").Output("z", "n")
            .Node("Relu", ["x"], ["y"]).Node("Neg", ["x"], ["z"]).Build());
        var target = new Memory<byte>(new byte[64]);

        var outputs = Run(instance, TensorValue.FromArray(X, X.Length), target);

        Assert.True(TargetedRunInputs.IsIn(outputs["y"], target));
        Assert.Equal(Relu, outputs["y"].ToArray<float>());
        Assert.Equal(X.Select(v => -v), outputs["z"].ToArray<float>());
    }

    [Fact]
    public void Run_TargetTooSmall_OutputByValueAndTargetUntouched()
    {
        using var instance = Load(new OnnxGraphBuilder().Input("x", "n").Output("y", "n").Node("Relu", ["x"], ["y"]).Build());
        var target = new Memory<byte>(new byte[8]);

        var y = Run(instance, TensorValue.FromArray(X, X.Length), target)["y"];

        Assert.False(TargetedRunInputs.IsIn(y, target));
        Assert.Equal(Relu, y.ToArray<float>());
        Assert.Equal(new byte[8], target.ToArray());
    }

    [Fact]
    public void Run_BadInputWithATarget_RejectedAsWithoutOne()
    {
        using var instance = Load(new OnnxGraphBuilder().Input("x", 2, 3).Output("y", 2, 3).Node("Relu", ["x"], ["y"]).Build());
        var target = new Memory<byte>(new byte[64]);

        var ex = Assert.Throws<InvalidPoolRequestException>(() => Run(instance, TensorValue.FromArray(X, 3, 2), target));

        Assert.Contains("rejected the inputs", ex.Message, StringComparison.Ordinal);
    }

    private static IModelInstance Load(byte[] model) => new OnnxModelBackend().Load(new ModelLoadContext
    {
        Bytes = model,
        Device = Cpu,
        MemoryLimitBytes = ByteSize.GiB(1),
        IntraOpThreads = 1,
        Options = new ModelOptions(),
    });

    private static IReadOnlyDictionary<string, TensorValue> Run(IModelInstance instance, TensorValue x, Memory<byte> target) =>
        instance.Run(
            new TargetedRunInputs(new Dictionary<string, TensorValue> { ["x"] = x }, new Dictionary<string, Memory<byte>> { ["y"] = target }),
            new RunContext(1));
}
