using System.Text;
using Google.Protobuf;
using GpuPool.Runtime.Isolation;
using WireFormat = GpuPool.Protocol.Conversion.WireFormat;

namespace GpuPool.Runtime.Tests.Isolation;

public sealed class WorkerProtocolTests
{
    private static readonly TensorValue Tensor = TensorValue.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);

    [Fact]
    public void WriteTensors_ThenReadTensors_RoundTripsNamesTypesShapesAndData()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            WorkerProtocol.WriteTensors(writer, new Dictionary<string, TensorValue> { ["x"] = Tensor, ["empty"] = TensorValue.FromArray(Array.Empty<long>(), 0) });
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer, Encoding.UTF8);
        var read = WorkerProtocol.ReadTensors(reader);

        Assert.Equal(["empty", "x"], read.Keys.Order());
        Assert.Equal(Tensor.ElementType, read["x"].ElementType);
        Assert.Equal(Tensor.Shape, read["x"].Shape);
        Assert.Equal(Tensor.Data.ToArray(), read["x"].Data.ToArray());
        Assert.Equal(TensorDataType.Int64, read["empty"].ElementType);
        Assert.Equal(buffer.Length, buffer.Position);
    }

    [Fact]
    public void WriteTensors_ATensor_CarriesTheWireEncodingOfIt()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            WorkerProtocol.WriteTensors(writer, new Dictionary<string, TensorValue> { ["x"] = Tensor });
        }

        var wire = WireFormat.ToWire(Tensor).ToByteArray();

        // Count (4 bytes), name ("x": length byte + 1), message length (4 bytes), then the message as gRPC carries it.
        Assert.Equal(wire, buffer.ToArray()[10..]);
    }

    [Fact]
    public void ReadInfos_AfterWriteInfos_ReturnsTheDescriptions()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            WorkerProtocol.WriteInfos(writer, [new TensorInfo("x", TensorDataType.Float32, [-1, 8])]);
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer, Encoding.UTF8);
        var info = Assert.Single(WorkerProtocol.ReadInfos(reader));

        Assert.Equal("x", info.Name);
        Assert.Equal(TensorDataType.Float32, info.ElementType);
        Assert.Equal([-1L, 8L], info.Shape);
    }
}
