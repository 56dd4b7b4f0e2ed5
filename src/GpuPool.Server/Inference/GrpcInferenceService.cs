using GpuPool.Server.Auth;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.Leasing;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Inference;

/// <summary>
/// <c>inference.GRPCInferenceService</c>, the Open Inference Protocol (KServe v2 / Triton) over gRPC, on the
/// models of the repository. Authentication and the mapping of failures to status codes are the server
/// interceptor's, as for gpupool.v1.
/// </summary>
internal sealed class GrpcInferenceService(
    ModelRepository repository,
    InferenceRunner runner,
    LeaseOperations leases,
    IOptions<ModelRepositoryOptions> options) : GRPCInferenceService.GRPCInferenceServiceBase
{
    private readonly long _maxTensorBytes = options.Value.MaxTensorBytes;

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = leases.GetInventory().Devices.Count > 0 });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = ServerMetadataInfo.Name, Version = ServerMetadataInfo.Version };
        response.Extensions.AddRange(ServerMetadataInfo.Extensions);
        return Task.FromResult(response);
    }

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        var version = repository.TryGet(context.Caller(), request.Name)?.Find(request.Version);
        return Task.FromResult(new ModelReadyResponse { Ready = version is { IsReady: true } });
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var (model, version) = InferenceViews.Describe(repository, context.Caller(), request.Name, request.Version);
        var response = new ModelMetadataResponse { Name = model.Name, Platform = ServerMetadataInfo.OnnxPlatform };
        response.Versions.AddRange(model.Versions.Select(v => v.Version));
        response.Inputs.AddRange(version.Model.Instance.Inputs.Select(Tensor));
        response.Outputs.AddRange(version.Model.Instance.Outputs.Select(Tensor));
        return Task.FromResult(response);
    }

    public override Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context)
    {
        var (_, version) = InferenceViews.Describe(repository, context.Caller(), request.Name, request.Version);
        return Task.FromResult(new ModelConfigResponse { Config = ModelConfigView.Describe(version) });
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context) =>
        await InferAsync(context.Caller(), request, context.CancellationToken).ConfigureAwait(false);

    public override Task ModelStreamInfer(IAsyncStreamReader<ModelInferRequest> requestStream, IServerStreamWriter<ModelStreamInferResponse> responseStream, ServerCallContext context) =>
        new GrpcInferStream(requestStream, responseStream, (request, ct) => InferAsync(context.Caller(), request, ct)).RunAsync(context.CancellationToken);

    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
    {
        var response = new ModelStatisticsResponse();
        foreach (var version in InferenceViews.StatisticsOf(repository, context.Caller(), request.Name, request.Version))
        {
            response.ModelStats.Add(GrpcStatistics.ToWire(version));
        }

        return Task.FromResult(response);
    }

    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        InferenceViews.CheckRepositoryName(request.RepositoryName);
        var response = new RepositoryIndexResponse();
        foreach (var entry in InferenceViews.Index(repository, context.Caller(), request.Ready))
        {
            response.Models.Add(new RepositoryIndexResponse.Types.ModelIndex { Name = entry.Name, Version = entry.Version, State = entry.State, Reason = entry.Reason });
        }

        return Task.FromResult(response);
    }

    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        InferenceViews.CheckManage(repository, context.Caller(), request.RepositoryName, request.Parameters.Count);
        await repository.LoadAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false);
        return new RepositoryModelLoadResponse();
    }

    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        InferenceViews.CheckManage(repository, context.Caller(), request.RepositoryName, request.Parameters.Count);
        await repository.UnloadAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false);
        return new RepositoryModelUnloadResponse();
    }

    private async Task<ModelInferResponse> InferAsync(CallerIdentity caller, ModelInferRequest request, CancellationToken cancellationToken)
    {
        // The model is found first: an unknown model is NOT_FOUND whatever its inputs look like.
        var version = repository.GetRunnable(caller, request.ModelName, request.ModelVersion);
        var inputs = GrpcTensorDecoder.Decode(request, _maxTensorBytes);
        var result = await runner.RunAsync(version, inputs, [.. request.Outputs.Select(o => o.Name)], cancellationToken).ConfigureAwait(false);
        var response = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = result.Version.Version, Id = request.Id };
        GrpcTensorEncoder.Encode(result.Outputs, request.RawInputContents.Count > 0, response);
        return response;
    }

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(TensorInfo info)
    {
        var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = info.Name, Datatype = InferDataTypes.NameOf(info.ElementType) };
        tensor.Shape.AddRange(info.Shape);
        return tensor;
    }
}
