using System.Globalization;
using Google.Protobuf;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Benchmarks.Remote;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.TestHost;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Kserve;

/// <summary>
/// The samples' MiniLM through the Open Inference Protocol's gRPC endpoint (ModelInfer, raw tensors, a model
/// of the repository) vs the SDK's remote path (a lease and a RemoteModel) vs in-process (embedded pool), in
/// one run, at concurrency 1 and 4, in alternating rounds. Ratios are throughputs (runs per second).
/// </summary>
internal sealed class KserveInferBenchmark : IBenchmark
{
    public string Name => "kserve-infer";

    public string Description => "MiniLM through the KServe v2 gRPC endpoint vs the SDK remote path vs in-process, concurrency 1 and 4; --seconds, --sentences";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var seconds = args.GetDouble("seconds", 30);
        var workload = InferWorkload.MiniLm(args.GetInt("sentences", 8));
        var repository = Directory.CreateTempSubdirectory("gpupool-kserve-bench-");
        try
        {
            var version = Directory.CreateDirectory(Path.Combine(repository.FullName, "minilm", "1"));
            await File.WriteAllBytesAsync(Path.Combine(version.FullName, "model.onnx"), workload.ModelBytes, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(repository.FullName, "minilm", "gpupool.json"), """{ "tenant": "bench", "memoryBytes": 1073741824, "computeMilli": 500 }""", cancellationToken);
            return await RunAsync(workload, repository.FullName, seconds, cancellationToken);
        }
        finally
        {
            repository.Delete(recursive: true);
        }
    }

    private async Task<int> RunAsync(InferWorkload workload, string repository, double seconds, CancellationToken cancellationToken)
    {
        var embeddedServices = new ServiceCollection().AddLogging();
        embeddedServices.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        await using var embeddedProvider = embeddedServices.BuildServiceProvider();
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string?> { ["GpuPoolServer:ModelRepository:Path"] = repository });
        var remoteServices = new ServiceCollection().AddLogging();
        remoteServices.AddGpuPool().UseServer(server.Address, BenchServer.ApiKey);
        await using var remoteProvider = remoteServices.BuildServiceProvider();

        // Half a device each: the repository's lease and the SDK's share the server's CPU device, and the share sets the intra-op threads.
        var slice = SliceRequest.ForShare(ByteSize.GiB(1), 500);
        await using var inprocLease = await embeddedProvider.GetRequiredService<IGpuPool>().LeaseAsync(slice, cancellationToken);
        await using var inprocModel = await inprocLease.LoadModelAsync(ModelSource.FromBytes(workload.ModelBytes, workload.Name), cancellationToken: cancellationToken);
        await using var remoteLease = await remoteProvider.GetRequiredService<IGpuPool>().LeaseAsync(slice, cancellationToken);
        await using var remoteModel = await remoteLease.LoadModelAsync(ModelSource.FromBytes(workload.ModelBytes, workload.Name), cancellationToken: cancellationToken);
        using var channel = GrpcChannel.ForAddress(server.Address);
        var kserve = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var headers = new Metadata { { "x-api-key", BenchServer.ApiKey } };
        var request = Request(workload);

        Func<CancellationToken, Task>[] sides =
        [
            async ct => await inprocModel.RunAsync(workload.Inputs, ct),
            async ct => await remoteModel.RunAsync(workload.Inputs, ct),
            async ct => await kserve.ModelInferAsync(request, headers, cancellationToken: ct),
        ];
        var result = new Dictionary<string, object?> { ["bench"] = Name, ["model"] = workload.Name };
        foreach (var concurrency in new[] { 1, 4 })
        {
            var perSecond = new double[3];
            foreach (var side in sides)
            {
                await ThroughputMeter.MeasureAsync(side, concurrency, seconds / 8, cancellationToken);
            }

            for (var round = 0; round < 4; round++)
            {
                // The order of the sides rotates, so each sees the same (shared, noisy) machine.
                for (var k = 0; k < sides.Length; k++)
                {
                    var i = (k + round) % sides.Length;
                    perSecond[i] += await ThroughputMeter.MeasureAsync(sides[i], concurrency, seconds / 4, cancellationToken) / 4;
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"concurrency {concurrency}: in-process {perSecond[0]:F1}/s, SDK remote {perSecond[1]:F1}/s, KServe gRPC {perSecond[2]:F1}/s"));
            result[$"ratio_vs_sdk_c{concurrency}"] = Math.Round(perSecond[2] / perSecond[1], 3);
            if (concurrency == 1)
            {
                result["ratio_vs_inprocess_c1"] = Math.Round(perSecond[2] / perSecond[0], 3);
            }
        }

        JsonLine.Write(result);
        return 0;
    }

    private static ModelInferRequest Request(InferWorkload workload)
    {
        var request = new ModelInferRequest { ModelName = "minilm" };
        foreach (var (name, value) in workload.Inputs)
        {
            var input = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = GpuPool.Server.Inference.InferDataTypes.NameOf(value.ElementType) };
            input.Shape.AddRange(value.Shape);
            request.Inputs.Add(input);
            request.RawInputContents.Add(ByteString.CopyFrom(value.Data.Span));
        }

        return request;
    }
}
