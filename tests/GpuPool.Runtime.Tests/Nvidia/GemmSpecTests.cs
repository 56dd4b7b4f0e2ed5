using GpuPool.Cublas;

namespace GpuPool.Runtime.Tests.Nvidia;

public class GemmSpecTests
{
    [Fact]
    public void ToBytes_Parse_RoundTrips()
    {
        var spec = GemmSpec.Create(8192, 4096, 1024, GemmDataType.Fp16, 8);

        var bytes = spec.ToBytes();

        Assert.Equal(GemmSpec.EncodedLength, bytes.Length);
        Assert.Equal("GPGEMM\0\0"u8.ToArray(), bytes[..8]);
        Assert.Equal(spec, GemmSpec.Parse(bytes));
    }

    [Fact]
    public void DeviceMemoryBytes_CountsInputsOutputAndWorkspace()
    {
        var spec = GemmSpec.Create(100, 200, 300, GemmDataType.Fp16);

        Assert.Equal(((100 * 300) + (300 * 200)) * 2 + (100 * 200 * 4) + GemmSpec.WorkspaceBytes, spec.DeviceMemoryBytes);
        Assert.Equal(2.0 * 100 * 200 * 300, spec.FlopsPerRun);
    }

    [Theory]
    [InlineData(0, 4, 4, 0, 1, "dimension m must be 1..65536; got 0")]
    [InlineData(4, 70000, 4, 0, 1, "dimension n must be 1..65536; got 70000")]
    [InlineData(4, 4, -1, 0, 1, "dimension k must be 1..65536; got -1")]
    [InlineData(4, 4, 4, 9, 1, "data type 9 is not one of")]
    [InlineData(4, 4, 4, 0, 0, "iterations must be 1..100000; got 0")]
    public void Parse_FieldOutOfRange_NamesTheField(int m, int n, int k, int type, int iterations, string expected)
    {
        var bytes = GemmSpec.Create(1, 1, 1).ToBytes();
        BitConverter.TryWriteBytes(bytes.AsSpan(12), m);
        BitConverter.TryWriteBytes(bytes.AsSpan(16), n);
        BitConverter.TryWriteBytes(bytes.AsSpan(20), k);
        BitConverter.TryWriteBytes(bytes.AsSpan(24), type);
        BitConverter.TryWriteBytes(bytes.AsSpan(28), iterations);

        var ex = Assert.Throws<InvalidPoolRequestException>(() => GemmSpec.Parse(bytes));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NotAGemmHeader_SaysWhatItExpects()
    {
        Assert.Contains("32-byte header", Assert.Throws<InvalidPoolRequestException>(() => GemmSpec.Parse(new byte[10])).Message, StringComparison.Ordinal);
        var onnxLike = new byte[32];
        onnxLike[0] = 0x08;
        Assert.Contains("another signature", Assert.Throws<InvalidPoolRequestException>(() => GemmSpec.Parse(onnxLike)).Message, StringComparison.Ordinal);
        var future = GemmSpec.Create(1, 1, 1).ToBytes();
        future[8] = 2;
        Assert.Contains("version 2", Assert.Throws<InvalidPoolRequestException>(() => GemmSpec.Parse(future)).Message, StringComparison.Ordinal);
    }
}
