using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace GpuPool.Server.Inference;

/// <summary>The Open Inference Protocol's HTTP/REST endpoints (<c>/v2/…</c>), on the server's HTTP port.</summary>
internal static class InferenceHttpEndpoints
{
    public static IEndpointRouteBuilder MapOpenInferenceHttp(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").AddEndpointFilter<InferenceHttpFilter>();
        v2.MapGet("/health/live", InferenceHttpHandlers.Live);
        v2.MapGet("/health/ready", InferenceHttpHandlers.Ready);
        v2.MapGet("", InferenceHttpHandlers.ServerMetadata);
        v2.MapGet("/models/stats", InferenceHttpHandlers.Statistics);
        v2.MapGet("/models/{model}", InferenceHttpHandlers.ModelMetadata);
        v2.MapGet("/models/{model}/versions/{version}", InferenceHttpHandlers.ModelMetadata);
        v2.MapGet("/models/{model}/config", InferenceHttpHandlers.ModelConfig);
        v2.MapGet("/models/{model}/versions/{version}/config", InferenceHttpHandlers.ModelConfig);
        v2.MapGet("/models/{model}/ready", InferenceHttpHandlers.ModelReady);
        v2.MapGet("/models/{model}/versions/{version}/ready", InferenceHttpHandlers.ModelReady);
        v2.MapGet("/models/{model}/stats", InferenceHttpHandlers.Statistics);
        v2.MapGet("/models/{model}/versions/{version}/stats", InferenceHttpHandlers.Statistics);
        v2.MapPost("/models/{model}/infer", InferenceHttpInfer.InferAsync);
        v2.MapPost("/models/{model}/versions/{version}/infer", InferenceHttpInfer.InferAsync);
        v2.MapPost("/repository/index", InferenceHttpHandlers.IndexAsync);
        v2.MapPost("/repository/models/{model}/load", InferenceHttpHandlers.LoadAsync);
        v2.MapPost("/repository/models/{model}/unload", InferenceHttpHandlers.UnloadAsync);
        return app;
    }
}
