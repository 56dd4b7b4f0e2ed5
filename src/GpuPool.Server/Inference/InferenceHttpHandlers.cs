using System.Text.Json;
using GpuPool.Server.Leasing;
using Microsoft.AspNetCore.Http;

namespace GpuPool.Server.Inference;

/// <summary>The HTTP endpoints other than inference: health, metadata, readiness, the repository and statistics.</summary>
internal static class InferenceHttpHandlers
{
    public static IResult Live() => Results.Json(new { live = true });

    public static IResult Ready(LeaseOperations leases) =>
        leases.GetInventory().Devices.Count > 0 ? Results.Json(new { ready = true }) : Results.Json(new { ready = false }, statusCode: StatusCodes.Status503ServiceUnavailable);

    public static IResult ServerMetadata() =>
        Results.Json(new { name = ServerMetadataInfo.Name, version = ServerMetadataInfo.Version, extensions = ServerMetadataInfo.Extensions });

    public static IResult ModelMetadata(HttpContext http, ModelRepository repository, string model, string? version)
    {
        var (found, served) = InferenceViews.Describe(repository, InferenceHttpFilter.Caller(http), model, version ?? "");
        return Results.Json(new
        {
            name = found.Name,
            versions = found.Versions.Select(v => v.Version),
            platform = ServerMetadataInfo.OnnxPlatform,
            inputs = served.Model.Instance.Inputs.Select(Tensor),
            outputs = served.Model.Instance.Outputs.Select(Tensor),
        });
    }

    /// <summary>The model configuration (Triton's <c>model_configuration</c> extension), as Triton writes it in JSON.</summary>
    public static IResult ModelConfig(HttpContext http, ModelRepository repository, string model, string? version)
    {
        var (_, served) = InferenceViews.Describe(repository, InferenceHttpFilter.Caller(http), model, version ?? "");
        return Results.Text(ModelConfigView.ToJson(ModelConfigView.Describe(served)), "application/json");
    }

    /// <summary>200 when ready, 400 when the model is known but not ready, 404 when unknown (the protocol's boolean as a status).</summary>
    public static IResult ModelReady(HttpContext http, ModelRepository repository, string model, string? version)
    {
        var found = repository.Get(InferenceHttpFilter.Caller(http), model).Find(version ?? "");
        return found is { IsReady: true }
            ? Results.Json(new { name = model, ready = true })
            : InferenceHttpFilter.Error(StatusCodes.Status400BadRequest, $"Model '{model}'{(version is null ? "" : $" version {version}")} is not ready{(found is null ? "" : $": {found.Reason}")}.");
    }

    public static IResult Statistics(HttpContext http, ModelRepository repository, string? model, string? version)
    {
        var versions = InferenceViews.StatisticsOf(repository, InferenceHttpFilter.Caller(http), model ?? "", version ?? "");
        return Results.Json(new { model_stats = versions.Select(Statistics) });
    }

    public static async Task<IResult> IndexAsync(HttpContext http, ModelRepository repository)
    {
        using var body = await ReadBodyAsync(http).ConfigureAwait(false);
        var ready = body?.RootElement.TryGetProperty("ready", out var r) == true && r.ValueKind == JsonValueKind.True;
        var entries = InferenceViews.Index(repository, InferenceHttpFilter.Caller(http), ready);
        return Results.Json(entries.Select(e => new { name = e.Name, version = e.Version, state = e.State, reason = e.Reason }));
    }

    public static async Task<IResult> LoadAsync(HttpContext http, ModelRepository repository, string model)
    {
        await CheckManageAsync(http, repository).ConfigureAwait(false);
        await repository.LoadAsync(model, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(new { });
    }

    public static async Task<IResult> UnloadAsync(HttpContext http, ModelRepository repository, string model)
    {
        await CheckManageAsync(http, repository).ConfigureAwait(false);
        await repository.UnloadAsync(model, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(new { });
    }

    private static async Task CheckManageAsync(HttpContext http, ModelRepository repository)
    {
        using var body = await ReadBodyAsync(http).ConfigureAwait(false);
        var parameters = body?.RootElement.TryGetProperty("parameters", out var p) == true && p.ValueKind == JsonValueKind.Object ? p.EnumerateObject().Count() : 0;
        InferenceViews.CheckManage(repository, InferenceHttpFilter.Caller(http), "", parameters);
    }

    private static async Task<JsonDocument?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength is null or 0 && http.Request.Headers.TransferEncoding.Count == 0)
        {
            return null;
        }

        try
        {
            var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document : throw new InvalidPoolRequestException("The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidPoolRequestException($"The request body is not valid JSON: {ex.Message}");
        }
    }

    private static object Tensor(TensorInfo info) => new { name = info.Name, datatype = InferDataTypes.NameOf(info.ElementType), shape = info.Shape };

    private static object Statistics(RepositoryModelVersion version)
    {
        var s = version.Statistics;
        object Duration(long count, long ns) => new { count, ns };
        return new
        {
            name = version.ModelName,
            version = version.Version,
            last_inference = s.LastInferenceMs,
            inference_count = s.SuccessCount,
            execution_count = s.SuccessCount,
            inference_stats = new
            {
                success = Duration(s.SuccessCount, s.SuccessNs),
                fail = Duration(s.FailCount, s.FailNs),
                queue = Duration(0, 0),
                compute_input = Duration(0, 0),
                compute_infer = Duration(s.SuccessCount, s.SuccessNs),
                compute_output = Duration(0, 0),
            },
            batch_stats = Array.Empty<object>(),
        };
    }
}
