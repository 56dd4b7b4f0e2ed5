using System.Globalization;
using GpuPool.Server.Errors;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Bulk;

/// <summary>The checked header of a bulk run: its descriptor and how many body bytes its tensors take in all.</summary>
internal sealed record BulkRunHeader(V1.BulkRunRequest Request, long DataBytes)
{
    /// <summary>The longest protobuf header a bulk run may have (names, types and shapes of up to 256 tensors).</summary>
    public const int MaxHeaderBytes = 256 * 1024;

    /// <summary>Decodes and checks a bulk run's header against the body length the client announced.</summary>
    /// <exception cref="InvalidPoolRequestException">The header is malformed or does not add up to the body.</exception>
    public static BulkRunHeader Parse(ReadOnlySpan<byte> bytes, long bodyBytes)
    {
        V1.BulkRunRequest request;
        try
        {
            request = V1.BulkRunRequest.Parser.ParseFrom(bytes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new InvalidPoolRequestException("The bulk run header could not be decoded as a gpupool.v1.BulkRunRequest.");
        }

        RequestLimits.Check(request);
        if (request.Inputs.Count > 256)
        {
            throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture, $"A bulk run has {request.Inputs.Count} inputs; at most 256 are allowed."));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (var input in request.Inputs)
        {
            if (input.Name.Length == 0 || !names.Add(input.Name))
            {
                throw new InvalidPoolRequestException(input.Name.Length == 0 ? "A bulk run input has no name." : $"The bulk run names input '{input.Name}' twice.");
            }

            if (input.ByteLength < 0 || input.ByteLength > bodyBytes)
            {
                throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture, $"Input '{input.Name}' announces {input.ByteLength} bytes; the body has {bodyBytes}."));
            }

            total += input.ByteLength;
        }

        if (total != bodyBytes)
        {
            throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture, $"The inputs announce {total} bytes in all but the body carries {bodyBytes} after the header."));
        }

        return new BulkRunHeader(request, total);
    }

    /// <summary>The inputs over <paramref name="data"/>, in header order (no copy).</summary>
    /// <exception cref="InvalidPoolRequestException">A tensor's type or shape does not fit its bytes (the message names it).</exception>
    public Dictionary<string, TensorValue> Inputs(ReadOnlyMemory<byte> data)
    {
        var inputs = new Dictionary<string, TensorValue>(Request.Inputs.Count, StringComparer.Ordinal);
        var offset = 0;
        foreach (var input in Request.Inputs)
        {
            var length = (int)input.ByteLength;
            var type = (TensorDataType)input.ElementType;
            if (input.ElementType == V1.TensorElementType.Unspecified || !Enum.IsDefined(type))
            {
                throw new InvalidPoolRequestException($"Tensor '{input.Name}': element type {(int)input.ElementType} is not supported.");
            }

            try
            {
                inputs[input.Name] = new TensorValue(type, [.. input.Shape], data.Slice(offset, length));
            }
            catch (InvalidPoolRequestException ex)
            {
                throw new InvalidPoolRequestException($"Tensor '{input.Name}': {ex.Message}", innerException: ex);
            }

            offset += length;
        }

        return inputs;
    }
}
