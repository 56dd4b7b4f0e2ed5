using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace GpuPool.Cli.Running;

/// <summary>
/// <c>gpupool run</c>: acquires the lease, starts the program with the lease in its environment, keeps the lease alive
/// (the client's session renews it), forwards SIGINT and SIGTERM, and releases the lease when the program exits. If the
/// lease is lost, the program gets SIGTERM, then SIGKILL after the grace, and the exit code is <see cref="ExitCodes.LeaseLost"/>.
/// </summary>
internal sealed class LeaseRunner(CliInvocation cli)
{
    private readonly object _gate = new();
    private ChildProcess? _child;
    private CancellationTokenSource? _acquire;
    private int _signalled;

    public async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        using var registrations = cli.Environment.HandleSignals ? new SignalForwarding(this) : null;
        var services = Services();
        await using var disposeServices = services.ConfigureAwait(false);
        var pool = services.GetRequiredService<IGpuPool>();
        using (var acquire = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            lock (_gate)
            {
                _acquire = acquire;
            }

            GpuLease lease;
            try
            {
                lease = await AcquireAsync(pool, request.Slice, acquire.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (Volatile.Read(ref _signalled) != 0)
            {
                return 128 + Volatile.Read(ref _signalled);
            }
            finally
            {
                lock (_gate)
                {
                    _acquire = null;
                }
            }

            await using (lease.ConfigureAwait(false))
            {
                return await RunInLeaseAsync(lease, request, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A signal reached gpupool: cancel the acquire, or pass it to the program.</summary>
    internal void OnSignal(int signal)
    {
        lock (_gate)
        {
            Volatile.Write(ref _signalled, signal);
            _acquire?.Cancel();
            _child?.Signal(signal);
        }
    }

    private Task<GpuLease> AcquireAsync(IGpuPool pool, SliceRequest slice, CancellationToken cancellationToken)
    {
        if (!cli.Environment.Interactive || cli.Output.IsJson)
        {
            return pool.LeaseAsync(slice, cancellationToken).AsTask();
        }

        // A spinner on stderr while the server finds (or waits for) capacity.
        return cli.Output.Diagnostics.Status().StartAsync(
            $"Acquiring {(slice.IsWholeDevice ? $"{slice.WholeDevices} device(s)" : $"{ByteSize.Format(slice.MemoryBytes)}, {slice.ComputeMilli} milli")}...",
            _ => pool.LeaseAsync(slice, cancellationToken).AsTask());
    }

    private async Task<int> RunInLeaseAsync(GpuLease lease, RunRequest request, CancellationToken cancellationToken)
    {
        var variables = LeaseEnvironment.For(lease, cli.Settings.Pool.Server!, request.Mps, cli.Environment.Variable, Directory.Exists);
        cli.Output.Event(new { @event = "granted", lease = lease.Id, devices = lease.Devices.Select(d => d.Id), memoryBytes = lease.MemoryBytes, computeMilli = lease.ComputeMilli });
        ChildProcess child;
        lock (_gate)
        {
            child = _child = ChildProcess.Start(request.Command, variables);
        }

        using (child)
        {
            var exited = child.WaitForExitAsync(CancellationToken.None);
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var onLost = lease.LeaseLost.Register(() => lost.TrySetResult());
            await Task.WhenAny(exited, lost.Task).ConfigureAwait(false);
            if (!exited.IsCompleted)
            {
                cli.Output.Note($"lease {lease.Id} was lost ({lease.LostReason}): stopping the program (SIGTERM, SIGKILL after {request.Grace.TotalSeconds:0.#} s)");
                child.Signal(NativeSignals.SigTerm);
                using var grace = new CancellationTokenSource(request.Grace, cli.Environment.Time);
                try
                {
                    await exited.WaitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    child.Kill();
                    await exited.ConfigureAwait(false);
                }

                cli.Output.Event(new { @event = "lease-lost", lease = lease.Id, reason = lease.LostReason.ToString(), programExitCode = child.ExitCode });
                return ExitCodes.LeaseLost;
            }

            // Released before gpupool exits, confirmed by the server: the slice is free when the next command runs.
            using var releaseTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), cli.Environment.Time);
            using var release = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, releaseTimeout.Token);
            await lease.ReleaseAsync(release.Token).ConfigureAwait(false);
            cli.Output.Event(new { @event = "exited", lease = lease.Id, exitCode = child.ExitCode });
            return child.ExitCode;
        }
    }

    private ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            if (cli.Settings.Verbose)
            {
                logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Debug);
            }
        });
        services.AddSingleton(cli.Environment.Time);
        var pool = cli.Settings.Pool;
        var builder = services.AddGpuPool(o =>
        {
            o.ApiKey = pool.ApiKey;
            o.ApiKeyFile = pool.ApiKeyFile;
            o.KeepAliveInterval = pool.KeepAliveInterval;
            o.MaxMessageBytes = pool.MaxMessageBytes;
        });
        if (pool.Server!.StartsWith("unix:", StringComparison.Ordinal))
        {
            builder.UseServerUnixSocket(pool.Server["unix:".Length..]);
        }
        else
        {
            builder.UseServer(new Uri(pool.Server));
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }
}
