using System.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Isolation;

/// <summary>
/// The worker process of one process-isolated lease. Calls go one at a time over the worker's stdin and
/// stdout. When the process dies, the call in flight fails with <see cref="PoolUnavailableException"/>; the
/// next call starts a new process and loads the lease's models into it again.
/// </summary>
internal sealed class LeaseWorker(LeaseEntry lease, WorkerOptions options, ILogger logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WorkerModel> _models = new(StringComparer.Ordinal);
    private Process? _process;
    private volatile bool _disposed;
    private int _callsInFlight;

    public LeaseEntry Lease { get; } = lease;

    /// <summary>The current worker's process id, if one runs.</summary>
    public int? ProcessId => Volatile.Read(ref _process) is { HasExited: false } p ? p.Id : null;

    /// <summary>Calls sent and not yet answered (tests wait for a call to be in flight before killing the worker).</summary>
    public int CallsInFlight => Volatile.Read(ref _callsInFlight);

    /// <summary>Processes started so far.</summary>
    public int Starts { get; private set; }

    /// <summary>Loads a model into the worker; returns its inputs, outputs and the worker's measured growth in bytes.</summary>
    public (IReadOnlyList<TensorInfo> Inputs, IReadOnlyList<TensorInfo> Outputs, long MeasuredBytes) Load(WorkerModel model) =>
        Call(model, process =>
        {
            Send(process, w => WriteLoad(w, model));
            var reply = Receive(process);
            var result = ((IReadOnlyList<TensorInfo>)WorkerProtocol.ReadInfos(reply), (IReadOnlyList<TensorInfo>)WorkerProtocol.ReadInfos(reply), reply.ReadInt64());
            _models[model.Id] = model;
            return result;
        });

    public IReadOnlyDictionary<string, TensorValue> Run(WorkerModel model, IReadOnlyDictionary<string, TensorValue> inputs) =>
        Call(model, process =>
        {
            Send(process, w =>
            {
                w.Write((byte)WorkerMessage.Run);
                w.Write(model.Id);
                WorkerProtocol.WriteTensors(w, inputs);
            });
            return WorkerProtocol.ReadTensors(Receive(process));
        });

    public void Unload(string modelId)
    {
        lock (_gate)
        {
            if (!_models.Remove(modelId) || _process is not { HasExited: false } process)
            {
                return;
            }

            try
            {
                Send(process, w =>
                {
                    w.Write((byte)WorkerMessage.Unload);
                    w.Write(modelId);
                });
                Receive(process);
            }
            catch (Exception ex) when (ex is IOException or PoolUnavailableException or InvalidPoolRequestException)
            {
                // The model is gone with the process either way.
            }
        }
    }

    /// <summary>
    /// Stops the worker at once, without waiting for a call in flight: that call fails as the process goes.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        Stop(Interlocked.Exchange(ref _process, null));
        lock (_gate)
        {
            _models.Clear();
        }
    }

    private static void WriteLoad(BinaryWriter writer, WorkerModel model)
    {
        writer.Write((byte)WorkerMessage.Load);
        writer.Write(model.Id);
        writer.Write((int)model.Format);
        WorkerProtocol.WriteDevice(writer, model.Device);
        writer.Write(model.MemoryLimitBytes);
        writer.Write(model.IntraOpThreads);
        writer.Write(model.Bytes.Length);
        writer.Write(model.Bytes.Span);
    }

    private static void Send(Process process, Action<BinaryWriter> body) =>
        WorkerProtocol.WriteFrame(process.StandardInput.BaseStream, body);

    private static BinaryReader Receive(Process process)
    {
        var reply = WorkerProtocol.ReadFrame(process.StandardOutput.BaseStream)
            ?? throw new EndOfStreamException("The worker closed its output.");
        var kind = (WorkerMessage)reply.ReadByte();
        return kind switch
        {
            WorkerMessage.Ok => reply,
            WorkerMessage.InvalidRequest => throw new InvalidPoolRequestException(reply.ReadString()),
            WorkerMessage.OutOfMemory => throw new QuotaExceededException("The worker reached its memory cap: " + reply.ReadString()),
            _ => throw new PoolUnavailableException("The worker failed: " + reply.ReadString()),
        };
    }

    private T Call<T>(WorkerModel model, Func<Process, T> call)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var process = EnsureStarted(model);
            Interlocked.Increment(ref _callsInFlight);
            try
            {
                return call(process);
            }
            catch (Exception ex) when (ex is IOException or EndOfStreamException or InvalidDataException)
            {
                throw Crashed(process, ex);
            }
            finally
            {
                Interlocked.Decrement(ref _callsInFlight);
            }
        }
    }

    /// <summary>Starts a worker when none runs, and loads the lease's models into it (called under the gate).</summary>
    private Process EnsureStarted(WorkerModel calling)
    {
        if (_process is { HasExited: false } running)
        {
            return running;
        }

        if (_process is not null)
        {
            var dead = _process;
            _process = null;
            RuntimeLog.WorkerExited(logger, dead.Id, Lease.Id, null);
            dead.Dispose();
        }

        var process = Start();
        if (_disposed)
        {
            Stop(Interlocked.Exchange(ref _process, null));
            throw new ObjectDisposedException(nameof(LeaseWorker), $"Lease {Lease.Id} ended.");
        }

        try
        {
            foreach (var model in _models.Values.Where(m => m.Id != calling.Id))
            {
                Send(process, w => WriteLoad(w, model));
                Receive(process);
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or InvalidDataException)
        {
            throw Crashed(process, ex);
        }

        if (_models.ContainsKey(calling.Id))
        {
            try
            {
                Send(process, w => WriteLoad(w, calling));
                Receive(process);
            }
            catch (Exception ex) when (ex is IOException or EndOfStreamException or InvalidDataException)
            {
                throw Crashed(process, ex);
            }
        }

        return process;
    }

    private Process Start()
    {
        var path = options.ResolveWorkerPath();
        if (!File.Exists(path))
        {
            throw new PoolUnavailableException($"The worker executable {path} does not exist; set GpuPool:Runtime worker options (WorkerPath) or deploy GpuPool.Worker next to the application.");
        }

        var info = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(path);
        info.Environment["GPUPOOL_WORKER_LEASE"] = Lease.Id;
        foreach (var (name, value) in WorkerEnvironment.For(Lease, options.ResolveMps(), options.MemoryCapHeadroomBytes))
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new PoolUnavailableException("The worker process could not be started.");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                RuntimeLog.WorkerOutput(logger, Lease.Id, e.Data);
            }
        };
        process.BeginErrorReadLine();
        _process = process;
        Starts++;
        RuntimeLog.WorkerStarted(logger, process.Id, Lease.Id, Lease.Devices[0].Id);
        return process;
    }

    private PoolUnavailableException Crashed(Process process, Exception cause)
    {
        var id = process.Id;
        if (ReferenceEquals(_process, process))
        {
            _process = null;
        }

        string exit;
        try
        {
            if (!process.WaitForExit(TimeSpan.FromSeconds(2)))
            {
                process.Kill(entireProcessTree: true);
            }

            exit = process.HasExited ? $"exit code {process.ExitCode}" : "killed";
        }
        catch (InvalidOperationException)
        {
            exit = "unknown exit";
        }

        process.Dispose();
        RuntimeLog.WorkerExited(logger, id, Lease.Id, cause);
        return new PoolUnavailableException(
            $"The worker process {id} of lease {Lease.Id} exited during the call ({exit}). Only this lease's calls in flight failed; the next call starts a new worker.",
            TimeSpan.FromMilliseconds(100),
            cause);
    }

    private void Stop(Process? process)
    {
        if (process is null)
        {
            return;
        }

        var id = process.Id;
        try
        {
            // Closing stdin asks an idle worker to exit; a busy one is killed.
            if (CallsInFlight > 0)
            {
                process.Kill(entireProcessTree: true);
            }
            else
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(TimeSpan.FromSeconds(2)))
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }

        RuntimeLog.WorkerStopped(logger, id, Lease.Id);
    }
}
