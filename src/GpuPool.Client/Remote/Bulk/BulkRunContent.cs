using System.Net;
using GpuPool.Protocol;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>A bulk run's request body: the protobuf header, then each input's bytes written straight from the caller's tensor (no staging copy).</summary>
internal sealed class BulkRunContent : HttpContent
{
    private readonly byte[] _header;
    private readonly ReadOnlyMemory<byte>[] _tensors;
    private readonly long _length;

    public BulkRunContent(string leaseId, string modelId, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        (_header, _tensors, _length) = Describe(leaseId, modelId, inputs);
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(BulkRuns.ContentType);
        Headers.Add(BulkRuns.HeaderLengthHeader, _header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A run's protobuf header, its tensors' bytes in header order, and the body's length (header and tensors).</summary>
    public static (byte[] Header, ReadOnlyMemory<byte>[] Tensors, long BodyLength) Describe(string leaseId, string modelId, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        var request = new V1.BulkRunRequest { LeaseId = leaseId, ModelId = modelId };
        var tensors = new ReadOnlyMemory<byte>[inputs.Count];
        long length = 0;
        var i = 0;
        foreach (var (name, value) in inputs)
        {
            var tensor = new V1.BulkTensor { Name = name, ElementType = (V1.TensorElementType)value.ElementType, ByteLength = value.Data.Length };
            tensor.Shape.AddRange(value.Shape);
            request.Inputs.Add(tensor);
            tensors[i++] = value.Data;
            length += value.Data.Length;
        }

        var header = Google.Protobuf.MessageExtensions.ToByteArray(request);
        return (header, tensors, length + header.Length);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_header, cancellationToken).ConfigureAwait(false);
        foreach (var tensor in _tensors)
        {
            await stream.WriteAsync(tensor, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
