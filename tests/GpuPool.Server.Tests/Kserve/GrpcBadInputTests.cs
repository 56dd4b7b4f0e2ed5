using Google.Protobuf;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Kserve;

public sealed class GrpcBadInputTests(ITestOutputHelper output) : IDisposable
{
    private static readonly float[] X = [1f, 2f, 3f, 4f];
    private readonly KserveRepository _repository = new();

    public static TheoryData<string> BadRequests() => ["datatype", "unknown-datatype", "rank", "raw-length", "mixed", "raw-count", "bytes-lie", "huge-shape", "fp16-typed", "uint32", "output", "negative-dim", "int8-range"];

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ModelInfer_BadInput_InvalidArgumentAndTheModelStillServes(string kind)
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Client.ModelInferAsync(Bad(kind), client.Headers).ResponseAsync);
        var good = await client.Client.ModelInferAsync(KserveClient.Typed("linear", X), client.Headers);

        output.WriteLine($"{kind}: {error.Status.Detail}");
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.NotEmpty(error.Status.Detail);
        Assert.Single(good.Outputs);
    }

    private static ModelInferRequest Bad(string kind)
    {
        var request = KserveClient.Typed("linear", X);
        var input = request.Inputs[0];
        switch (kind)
        {
            case "datatype":
                input.Datatype = "FP64";
                input.Contents = new InferTensorContents();
                input.Contents.Fp64Contents.AddRange([1, 2, 3, 4]);
                break;
            case "unknown-datatype":
                input.Datatype = "FLOAT";
                break;
            case "rank":
                input.Shape.Clear();
                input.Shape.AddRange([4]);
                break;
            case "raw-length":
                request = KserveClient.Raw("linear", X);
                request.RawInputContents[0] = ByteString.CopyFrom(new byte[15]);
                break;
            case "mixed":
                request = KserveClient.Raw("linear", X);
                request.Inputs[0].Contents = new InferTensorContents();
                request.Inputs[0].Contents.Fp32Contents.AddRange(X);
                break;
            case "raw-count":
                request = KserveClient.Raw("linear", X);
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[16]));
                break;
            case "bytes-lie":
                request = KserveClient.Raw("linear", X);
                request.Inputs[0].Datatype = "BYTES";
                request.Inputs[0].Shape.Clear();
                request.Inputs[0].Shape.Add(1);
                // One element that claims 1000 bytes but carries 3.
                request.RawInputContents[0] = ByteString.CopyFrom([0xE8, 0x03, 0, 0, (byte)'a', (byte)'b', (byte)'c']);
                break;
            case "huge-shape":
                input.Shape.Clear();
                input.Shape.AddRange([long.MaxValue / 2, 4]);
                break;
            case "fp16-typed":
                input.Datatype = "FP16";
                break;
            case "uint32":
                input.Datatype = "UINT32";
                input.Contents = new InferTensorContents();
                input.Contents.UintContents.AddRange([1, 2, 3, 4]);
                break;
            case "output":
                request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "z" });
                break;
            case "negative-dim":
                input.Shape[0] = -1;
                break;
            case "int8-range":
                input.Datatype = "INT8";
                input.Contents = new InferTensorContents();
                input.Contents.IntContents.AddRange([1, 2, 300, 4]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        return request;
    }

    public void Dispose() => _repository.Dispose();
}
