using System.IO.Compression;
using GpuPool.Testing;
using GpuPool.TorchSharp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.TorchSharp.Tests.Models;

public sealed class TorchScriptModelInLeaseTests
{
    private static SliceRequest CpuSlice(long memoryBytes) => new()
    {
        MemoryBytes = memoryBytes,
        ComputeMilli = 500,
        Constraints = new DeviceConstraints { Kind = DeviceKind.Cpu },
    };

    private static Dictionary<string, TensorValue> X(float[] x, params long[] shape) => new() { ["x"] = TensorValue.FromArray(x, shape) };

    [Fact]
    public async Task RunAsync_Linear_MatchesPlainArithmeticAndTheSameOnnxModel()
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(ByteSize.MiB(64)));
        await using var torchModel = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(8, 4), "linear.pt"));
        await using var onnxModel = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(8, 4), "linear.onnx"));
        var x = TestModels.Weights(42, 5 * 8);

        var torchY = (await torchModel.RunAsync(X(x, 5, 8)))["y"];
        var onnxY = (await onnxModel.RunAsync(X(x, 5, 8)))["y"].ToArray<float>();

        var expected = TestModels.LinearReference(x, 5, 8, 4);
        Assert.Equal(ModelFormat.TorchScript, torchModel.Format);
        Assert.Equal(TensorDataType.Float32, torchY.ElementType);
        Assert.Equal([5L, 4L], torchY.Shape);
        var y = torchY.ToArray<float>();
        Assert.Contains(y, v => v > 0);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 5);
            Assert.Equal(onnxY[i], y[i], 5);
        }
    }

    [Fact]
    public async Task LoadModelAsync_AutoFormat_DetectsTorchScriptAndDescribesItsSignature()
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(ByteSize.MiB(64)));

        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(3, 2)));

        Assert.Equal(ModelFormat.TorchScript, model.Format);
        Assert.Equal("x: Float32[-1,3]", Assert.Single(model.Inputs).ToString());
        Assert.Equal("y: Float32[-1,2]", Assert.Single(model.Outputs).ToString());
    }

    [Fact]
    public async Task LoadModelAsync_ChargesTheTensorStoragesToTheLease_AndUnloadReturnsThem()
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(ByteSize.MiB(256)));

        var model = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(64, 32)));

        // The weights are the floor; on the CPU device the charge is what the load measurably made resident.
        const long weights = sizeof(float) * ((64 * 32) + 32);
        Assert.True(model.MemoryBytes >= weights, $"{model.MemoryBytes} < {weights}");
        Assert.Equal(model.MemoryBytes, lease.MemoryUsedBytes);
        await model.UnloadAsync();
        Assert.Equal(0, lease.MemoryUsedBytes);
    }

    [Fact]
    public async Task LoadModelAsync_WeightsLargerThanTheLease_ThrowsQuotaExceededAndLeavesTheLeaseUsable()
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(16 * 1024));

        await Assert.ThrowsAsync<QuotaExceededException>(async () => await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(64, 64))));

        Assert.Equal(0, lease.MemoryUsedBytes);
        await using var small = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(4, 2)));
        Assert.Equal(sizeof(float) * 10, lease.MemoryUsedBytes);
    }

    [Fact]
    public async Task RunAsync_TwoInputsTupleOutputs_MapsInputsByNameAndOutputsInOrder()
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(ByteSize.MiB(1)));
        float[] scale = [2, 3, 4];
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.SumAndProduct(3, scale)));
        float[] a = [1, 2, 3];
        float[] b = [10, 20, 30];

        var outputs = await model.RunAsync(new Dictionary<string, TensorValue>
        {
            ["b"] = TensorValue.FromArray(b, 3),
            ["a"] = TensorValue.FromArray(a, 3),
        });

        Assert.Equal(["a", "b"], model.Inputs.Select(i => i.Name));
        Assert.Equal([21f, 62f, 123f], outputs["sum"].ToArray<float>());
        Assert.Equal([10f, 40f, 90f], outputs["product"].ToArray<float>());
    }

    [Fact]
    public async Task LoadModelAsync_ForwardReturnsDict_ThrowsBeforeLoading()
    {
        var (ex, _) = await LoadFailsAsync(TorchScriptTestModels.DictOutputs(3));

        Assert.Contains("Dict[str, Tensor]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SimulatedGpuLease_RunsOnTheCpu()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddTorchSharp().ConfigureRuntime(o =>
        {
            o.Nvidia.Enabled = false;
            o.Cpu.Enabled = false;
            o.SimulatedDevices.Add(new Runtime.SimulatedDeviceOptions { Model = "A100", MemoryGiB = 40 });
        });
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.GiB(1), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(8, 4)));
        var x = TestModels.Weights(5, 2 * 8);

        var y = (await model.RunAsync(X(x, 2, 8)))["y"].ToArray<float>();

        Assert.True(lease.Device.IsSimulated);
        Assert.Equal(TestModels.LinearReference(x, 2, 8, 4), y, (e, a) => Math.Abs(e - a) < 1e-5);
    }

    [Fact]
    public async Task LoadModelAsync_OnnxBytesAsTorchScript_ThrowsNotTorchScript()
    {
        var (ex, memoryUsed) = await LoadFailsAsync(TestModels.Linear(4, 2), new ModelOptions { Format = ModelFormat.TorchScript });

        Assert.Contains("not a TorchScript archive", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, memoryUsed);
    }

    [Fact]
    public async Task LoadModelAsync_TorchSaveCheckpoint_ThrowsExplainingHowToExport()
    {
        var checkpoint = Zip(("checkpoint/data.pkl", [0x80, 2, (byte)'}', (byte)'.']), ("checkpoint/data/0", new byte[16]), ("checkpoint/version", "3\n"u8.ToArray()));

        var (ex, _) = await LoadFailsAsync(checkpoint);

        Assert.Contains("torch.jit.save", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadModelAsync_NoSignature_ThrowsNamingTheMissingFile()
    {
        var (ex, memoryUsed) = await LoadFailsAsync(TorchScriptTestModels.Linear(4, 2, withSignature: false));

        Assert.Contains("extra/gpupool.json", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, memoryUsed);
    }

    [Fact]
    public async Task LoadModelAsync_SignatureAttachedFromDotNet_Runs()
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(ByteSize.MiB(1)));
        var signature = new TorchScriptSignature(
            [new TensorInfo("x", TensorDataType.Float32, [2, 4])],
            [new TensorInfo("y", TensorDataType.Float32, [2, 3])]);
        var bytes = TorchScriptSignature.Attach(TorchScriptTestModels.Linear(4, 3, withSignature: false), signature);
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes));
        var x = TestModels.Weights(9, 8);

        var y = (await model.RunAsync(X(x, 2, 4)))["y"].ToArray<float>();

        Assert.Equal(TestModels.LinearReference(x, 2, 4, 3), y, (e, a) => Math.Abs(e - a) < 1e-5);
    }

    [Fact]
    public async Task LoadModelAsync_SignatureNamesAnInputForwardDoesNotTake_Throws()
    {
        var signature = new TorchScriptSignature([new TensorInfo("input", TensorDataType.Float32, [-1, 4])], [new TensorInfo("y", TensorDataType.Float32, [-1, 3])]);
        var bytes = TorchScriptSignature.Attach(TorchScriptTestModels.Linear(4, 3, withSignature: false), signature);

        var (ex, _) = await LoadFailsAsync(bytes);

        Assert.Contains("forward() takes (x)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WrongInputWidth_IsRejectedBeforeTorch()
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(ByteSize.MiB(1)));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(4, 2)));

        var ex = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () => await model.RunAsync(X(new float[6], 2, 3)));

        Assert.Contains("dimension 1 must be 4", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<(InvalidPoolRequestException Error, long MemoryUsedBytes)> LoadFailsAsync(byte[] bytes, ModelOptions? options = null)
    {
        await using var provider = TorchPool.Provider();
        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(CpuSlice(ByteSize.MiB(1)));
        var ex = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () => await lease.LoadModelAsync(ModelSource.FromBytes(bytes), options));
        return (ex, lease.MemoryUsedBytes);
    }

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(content);
            }
        }

        return output.ToArray();
    }
}
