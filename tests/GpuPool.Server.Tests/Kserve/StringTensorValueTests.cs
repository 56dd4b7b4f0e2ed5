namespace GpuPool.Server.Tests.Kserve;

/// <summary>The engine's string tensors (<see cref="TensorDataType.String"/>): length-prefixed elements, checked against the shape.</summary>
public sealed class StringTensorValueTests
{
    [Fact]
    public void FromStrings_Utf8Values_RoundTripWithTheirCountAndLayout()
    {
        var tensor = TensorValue.FromStrings(["a", "", "é"], 1, 3);

        Assert.Equal((TensorDataType.String, 3L), (tensor.ElementType, tensor.ElementCount));
        Assert.Equal([1L, 3L], tensor.Shape);
        Assert.Equal(["a", "", "é"], tensor.ToStrings());
        Assert.Equal(StringTensorTests.Prefixed([[(byte)'a'], [], [0xC3, 0xA9]]), tensor.Data.ToArray());
        Assert.Throws<InvalidOperationException>(() => tensor.ToArray<byte>());
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0 }, "too few")]
    [InlineData(new byte[] { 9, 0, 0, 0, (byte)'a' }, "claims 9 bytes")]
    [InlineData(new byte[] { 1, 0, 0, 0, (byte)'a', 0, 0, 0, 0, 0, 0, 0, 0 }, "holds 3")]
    public void Constructor_DataThatDisagreesWithItself_InvalidRequest(byte[] data, string expected)
    {
        var error = Assert.Throws<InvalidPoolRequestException>(() => new TensorValue(TensorDataType.String, [2], data));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToByteStrings_NumericTensor_Throws() =>
        Assert.Throws<InvalidOperationException>(() => TensorValue.FromArray(new ulong[] { 1, ulong.MaxValue }).ToByteStrings());
}
