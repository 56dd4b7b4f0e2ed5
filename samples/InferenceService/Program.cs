using GpuPool;
using InferenceService;

// The same code runs on the embedded pool (default) or on a GpuPool server: set GpuPool:Server
// (for example GpuPool__Server=http://gpu-host:7070 and GpuPool__ApiKey=...) and nothing else changes.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddGpuPool().AddOnnxRuntime();
builder.Services.AddOptions<EmbedderOptions>().BindConfiguration("Embedder").ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<Embedder>();
var app = builder.Build();

app.MapPost("/embed", async (EmbedRequest request, Embedder embedder, IConfiguration configuration, CancellationToken cancellationToken) =>
{
    try
    {
        var embeddings = await embedder.EmbedAsync(request.Texts ?? [], cancellationToken);
        var server = configuration["GpuPool:Server"];
        return Results.Ok(new EmbedResponse(embeddings, embeddings[0].Length, string.IsNullOrWhiteSpace(server) ? "embedded" : server));
    }
    catch (InvalidPoolRequestException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
    }
    catch (GpuPoolRejectedException ex)
    {
        if (ex.RetryAfter is { } retry)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = retry.TotalSeconds });
        }

        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
});
app.MapGet("/info", (Embedder embedder) => Results.Ok(new { lease = embedder.Describe() }));

await app.RunAsync();
