using System.Threading.Channels;
using GpuPool.Server.Errors;
using GpuPool.Server.Inference.Wire;
using Grpc.Core;

namespace GpuPool.Server.Inference;

/// <summary>
/// One ModelStreamInfer call: requests run concurrently (up to a bound) and their answers are written in
/// the order the requests came; a failed request answers with <c>error_message</c> and the stream goes on.
/// </summary>
internal sealed class GrpcInferStream(
    IAsyncStreamReader<ModelInferRequest> requests,
    IServerStreamWriter<ModelStreamInferResponse> responses,
    Func<ModelInferRequest, CancellationToken, Task<ModelInferResponse>> infer)
{
    private const int MaxInFlight = 64;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pending = Channel.CreateBounded<(ModelInferRequest Request, Task<ModelInferResponse> Run)>(
            new BoundedChannelOptions(MaxInFlight) { SingleReader = true, SingleWriter = true });
        var writer = WriteAsync(pending.Reader, cancellationToken);
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var request = requests.Current;
                await pending.Writer.WriteAsync((request, Task.Run(() => infer(request, cancellationToken), cancellationToken)), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            pending.Writer.TryComplete();
        }

        await writer.ConfigureAwait(false);
    }

    private async Task WriteAsync(ChannelReader<(ModelInferRequest Request, Task<ModelInferResponse> Run)> pending, CancellationToken cancellationToken)
    {
        await foreach (var (request, run) in pending.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            ModelStreamInferResponse reply;
            try
            {
                reply = new ModelStreamInferResponse { InferResponse = await run.ConfigureAwait(false) };
            }
            catch (Exception ex) when (ex is GpuPoolRejectedException or ServerErrorException or ObjectDisposedException)
            {
                reply = new ModelStreamInferResponse
                {
                    ErrorMessage = ex.Message,
                    InferResponse = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = request.ModelVersion, Id = request.Id },
                };
            }

            await responses.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }
}
