using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Models;

namespace GpuPool.Worker;

/// <summary>Serves one lease's models: load, run and unload requests, one at a time, until stdin closes.</summary>
internal sealed class WorkerHost(IEnumerable<IModelBackend> backends) : IDisposable
{
    private readonly Dictionary<ModelFormat, IModelBackend> _backends = backends.ToDictionary(b => b.Format);
    private readonly Dictionary<string, IModelInstance> _models = new(StringComparer.Ordinal);
    private readonly ResidentMemoryMeter _meter = new();

    /// <summary>Answers requests until the input ends; returns the process exit code.</summary>
    public int Serve(Stream input, Stream output)
    {
        while (WorkerProtocol.ReadFrame(input) is { } request)
        {
            using (request)
            {
                Handle(request, output);
            }
        }

        return 0;
    }

    public void Dispose()
    {
        foreach (var model in _models.Values)
        {
            model.Dispose();
        }

        _models.Clear();
    }

    private void Handle(BinaryReader request, Stream output)
    {
        var kind = (WorkerMessage)request.ReadByte();
        try
        {
            switch (kind)
            {
                case WorkerMessage.Load:
                    var (loaded, measuredBytes, _) = Load(request);
                    WorkerProtocol.WriteFrame(output, w =>
                    {
                        w.Write((byte)WorkerMessage.Ok);
                        WorkerProtocol.WriteInfos(w, loaded.Inputs);
                        WorkerProtocol.WriteInfos(w, loaded.Outputs);
                        w.Write(measuredBytes);
                    });
                    break;
                case WorkerMessage.Run:
                    var results = Run(request);
                    WorkerProtocol.WriteFrame(output, w =>
                    {
                        w.Write((byte)WorkerMessage.Ok);
                        WorkerProtocol.WriteTensors(w, results);
                    });
                    break;
                case WorkerMessage.Unload:
                    if (_models.Remove(request.ReadString(), out var model))
                    {
                        model.Dispose();
                    }

                    WorkerProtocol.WriteFrame(output, w => w.Write((byte)WorkerMessage.Ok));
                    break;
                default:
                    throw new InvalidPoolRequestException($"Unknown worker message {(byte)kind}.");
            }
        }
        catch (InvalidPoolRequestException ex)
        {
            Reply(output, WorkerMessage.InvalidRequest, ex.Message);
        }
        catch (Exception ex) when (ex is QuotaExceededException or OutOfMemoryException)
        {
            Reply(output, WorkerMessage.OutOfMemory, ex.Message);
        }
#pragma warning disable CA1031 // A failed request is answered; the worker keeps serving.
        catch (Exception ex) when (ex is not IOException)
#pragma warning restore CA1031
        {
            Reply(output, WorkerMessage.Failed, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static void Reply(Stream output, WorkerMessage kind, string message) =>
        WorkerProtocol.WriteFrame(output, w =>
        {
            w.Write((byte)kind);
            w.Write(message);
        });

    /// <summary>Loads a model and measures the worker's resident growth across its load and first run (the lease's charge).</summary>
    private ModelFootprint Load(BinaryReader request)
    {
        var id = request.ReadString();
        var format = (ModelFormat)request.ReadInt32();
        var device = WorkerProtocol.ReadDevice(request);
        var memoryLimit = request.ReadInt64();
        var threads = request.ReadInt32();
        var bytes = request.ReadBytes(request.ReadInt32());
        if (!_backends.TryGetValue(format, out var backend))
        {
            throw new InvalidPoolRequestException($"The worker process has no backend for {format} models.");
        }

        if (_models.Remove(id, out var previous))
        {
            previous.Dispose();
        }

        var context = new ModelLoadContext
        {
            Bytes = bytes,
            Device = device,
            MemoryLimitBytes = memoryLimit,
            IntraOpThreads = threads,
            Options = new ModelOptions { Format = format },
        };
        var footprint = _meter.Measure(() => backend.Load(context), threads);
        _models[id] = footprint.Instance;
        return footprint;
    }

    private Dictionary<string, TensorValue> Run(BinaryReader request)
    {
        var id = request.ReadString();
        var inputs = WorkerProtocol.ReadTensors(request);
        if (!_models.TryGetValue(id, out var model))
        {
            throw new InvalidPoolRequestException($"Model {id} is not loaded in the worker.");
        }

        return new Dictionary<string, TensorValue>(model.Run(inputs, new RunContext(1)), StringComparer.Ordinal);
    }
}
