using GpuPool.Server.Inference.Wire;
using Grpc.Core;
using Grpc.Net.Client;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>A gRPC client generated from the protocol's .proto (not the SDK), with a tenant's key on every call.</summary>
internal sealed class KserveClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public KserveClient(Uri address, string? apiKey)
    {
        _channel = GrpcChannel.ForAddress(address);
        Client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        Headers = [];
        if (apiKey is not null)
        {
            Headers.Add("authorization", "Bearer " + apiKey);
        }
    }

    public GRPCInferenceService.GRPCInferenceServiceClient Client { get; }

    public Metadata Headers { get; }

    /// <summary>A typed FP32 request for <c>x</c> [rows, 4].</summary>
    public static ModelInferRequest Typed(string model, float[] x, string version = "")
    {
        var request = new ModelInferRequest { ModelName = model, ModelVersion = version, Id = "req-1" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Contents = new InferTensorContents() };
        input.Shape.AddRange([x.Length / KserveRepository.In, KserveRepository.In]);
        input.Contents.Fp32Contents.AddRange(x);
        request.Inputs.Add(input);
        return request;
    }

    /// <summary>The same request with the tensor in <c>raw_input_contents</c>.</summary>
    public static ModelInferRequest Raw(string model, float[] x, string version = "")
    {
        var request = Typed(model, x, version);
        request.Inputs[0].Contents = null;
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan())));
        return request;
    }

    public void Dispose() => _channel.Dispose();
}
