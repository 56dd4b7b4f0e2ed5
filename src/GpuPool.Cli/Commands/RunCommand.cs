using System.CommandLine;
using GpuPool.Cli.Running;

namespace GpuPool.Cli.Commands;

/// <summary><c>gpupool run --memory 4GiB --share 250 [--devices N] [--model M] [--ttl T] [--wait T] -- program args…</c>.</summary>
internal static class RunCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var memory = new Option<string?>("--memory", "-m") { Description = "Device memory for the program: 4GiB, 512MiB, 2G (binary), 1.5GB (decimal). Needed unless --devices." };
        var share = new Option<int?>("--share") { Description = "Compute share in milli-units, 1-1000 (1000 = a whole device). Needed unless --devices." };
        var devices = new Option<int?>("--devices") { Description = "Whole devices instead of a share." };
        var model = new Option<string[]>("--model") { Description = "Only devices of this model (for example 'NVIDIA H100 80GB HBM3'); repeat for several.", AllowMultipleArgumentsPerToken = false };
        var ttl = new Option<string?>("--ttl") { Description = "The lease's time-to-live (30s, 5m); gpupool renews it while the program runs. Default: the server's." };
        var wait = new Option<string?>("--wait") { Description = "How long to wait for capacity (0 = not at all). Default: until a slice is free (Ctrl+C gives up)." };
        var priority = new Option<LeasePriority>("--priority") { Description = "Low, Normal or High.", DefaultValueFactory = _ => LeasePriority.Normal };
        var mps = new Option<MpsMode>("--mps") { Description = "CUDA MPS limits for the program: Auto (when an MPS daemon is visible), On, Off.", DefaultValueFactory = _ => MpsMode.Auto };
        var grace = new Option<string>("--grace") { Description = "When the lease is lost: time between SIGTERM and SIGKILL.", DefaultValueFactory = _ => "10s" };
        var command = new Argument<string[]>("command") { Description = "The program and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
        var run = new Command(
            "run",
            "Run a program inside a leased slice. It gets CUDA_VISIBLE_DEVICES (device UUIDs), GPUPOOL_LEASE_ID, GPUPOOL_MEMORY_BYTES, "
            + "GPUPOOL_COMPUTE_MILLI, GPUPOOL_SERVER, PYTORCH_CUDA_ALLOC_CONF, and CUDA_MPS_PINNED_DEVICE_MEM_LIMIT / CUDA_MPS_ACTIVE_THREAD_PERCENTAGE "
            + "where MPS runs. Enforced: which devices are visible, and the MPS limits (by the MPS server). Hints only: the memory and share "
            + "variables and the PyTorch setting (the program must keep to them). SIGINT/SIGTERM are forwarded; the exit code is the program's, "
            + "124 if the lease was lost (the program got SIGTERM, then SIGKILL after --grace).")
        {
            memory, share, devices, model, ttl, wait, priority, mps, grace, command,
        };
        return verbs.Bind(run, (parse, cli, cancellationToken) =>
        {
            var slice = Slice(parse.GetValue(memory), parse.GetValue(share), parse.GetValue(devices)) with
            {
                Priority = parse.GetValue(priority),
                TimeToLive = parse.GetValue(ttl) is { } t ? Quantities.ParseDuration(t) : null,
                WaitTimeout = parse.GetValue(wait) is { } w ? Quantities.ParseDuration(w) : null,
                Constraints = parse.GetValue(model) is { Length: > 0 } models ? new DeviceConstraints { Models = models } : null,
            };
            var request = new RunRequest
            {
                Slice = slice,
                Command = parse.GetValue(command)!,
                Mps = parse.GetValue(mps),
                Grace = Quantities.ParseDuration(parse.GetValue(grace)!),
            };
            return new LeaseRunner(cli).RunAsync(request, cancellationToken);
        });
    }

    private static SliceRequest Slice(string? memory, int? share, int? devices)
    {
        if (devices is { } count)
        {
            return SliceRequest.ForDevices(count) with { MemoryBytes = memory is null ? 0 : Quantities.ParseBytes(memory) };
        }

        if (memory is null || share is null)
        {
            throw new CliUsageException("run needs --memory and --share (or --devices N for whole devices).");
        }

        return SliceRequest.ForShare(Quantities.ParseBytes(memory), share.Value);
    }
}
