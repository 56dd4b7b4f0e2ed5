using System.Collections.Concurrent;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Leasing;
using GpuPool.Server.Auth;
using GpuPool.Server.Errors;
using GpuPool.Server.Leasing;
using GpuPool.Server.Models;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Inference;

/// <summary>
/// The models of the repository directory and the versions loaded now. Each loaded version runs in its own
/// lease of the owning tenant, granted by the lease table like any other, so it is placed, charged to the
/// tenant's quota and scheduled with everyone else's work. A tenant sees only its own models (others'
/// are NOT_FOUND); the admin role sees and manages all.
/// </summary>
internal sealed class ModelRepository(
    ModelRepositoryDirectory directory,
    LeaseOperations leases,
    ServerModels models,
    ApiKeyRegistry keys,
    DeviceInventory inventory,
    IOptions<ModelRepositoryOptions> options,
    ILogger<ModelRepository> logger)
{
    private readonly ConcurrentDictionary<string, RepositoryModel> _models = new(StringComparer.Ordinal);
    private readonly ModelRepositoryOptions _options = options.Value;

    /// <summary>Whether the caller may load and unload models: the admin role, or anyone on an open (development) server.</summary>
    public bool CanManage(CallerIdentity caller) => caller.IsAdmin || keys.IsOpen;

    /// <summary>The models the caller may see, from the directory and those loaded, by name.</summary>
    public IReadOnlyList<RepositoryModel> List(CallerIdentity caller)
    {
        foreach (var name in directory.ModelNames())
        {
            Entry(name);
        }

        return [.. _models.Values.Where(m => IsVisible(caller, m)).OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>The model if the caller may see it; NOT_FOUND otherwise, the same for another tenant's model as for none.</summary>
    public RepositoryModel Get(CallerIdentity caller, string name) =>
        TryGet(caller, name) ?? throw NotFound($"Model '{Shorten(name)}' is not in the repository.");

    /// <summary>The model if the caller may see it, or null.</summary>
    public RepositoryModel? TryGet(CallerIdentity caller, string name) =>
        _models.TryGetValue(name, out var model) && IsVisible(caller, model) ? model : null;

    /// <summary>A version the caller may run: NOT_FOUND for unknown models and versions, UNAVAILABLE when it is not ready.</summary>
    public RepositoryModelVersion GetRunnable(CallerIdentity caller, string name, string version)
    {
        var model = Get(caller, name);
        if (!string.Equals(model.Tenant, caller.Tenant, StringComparison.Ordinal))
        {
            throw new PoolAccessDeniedException($"Model '{name}' belongs to tenant '{model.Tenant}'; only its keys run it.");
        }

        var found = model.Find(version);
        if (found is null)
        {
            throw version.Length == 0 || model.Versions.Count == 0
                ? NotReady(name, version, model.Reason)
                : NotFound($"Model '{name}' has no version '{Shorten(version)}' loaded; loaded: {string.Join(", ", model.Versions.Select(v => v.Version))}.");
        }

        return found.IsReady ? found : throw NotReady(name, found.Version, found.Reason);
    }

    /// <summary>The entry of a model folder, created on first use.</summary>
    public RepositoryModel Entry(string name) => _models.GetOrAdd(name, static n => new RepositoryModel(n));

    /// <summary>Loads (or reloads) a model from the directory, waiting up to <see cref="ModelRepositoryOptions.LoadWaitTimeout"/> for capacity.</summary>
    public Task LoadAsync(string name, CancellationToken cancellationToken) => LoadAsync(name, wait: true, cancellationToken);

    /// <summary>
    /// Loads (or reloads) a model from the directory: new leases and models first, then the old versions go.
    /// Without <paramref name="wait"/> a version that finds no free slice now fails at once.
    /// </summary>
    public async Task LoadAsync(string name, bool wait, CancellationToken cancellationToken)
    {
        var source = await directory.ReadAsync(name, cancellationToken).ConfigureAwait(false);
        var model = Entry(name);
        await model.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var tenant = source.Config.Tenant ?? GpuPoolServerOptions.AnonymousTenant;
            var loaded = new List<RepositoryModelVersion>();
            try
            {
                foreach (var file in source.Versions)
                {
                    loaded.Add(await LoadVersionAsync(source, tenant, file, wait, cancellationToken).ConfigureAwait(false));
                }
            }
            catch (Exception ex)
            {
                foreach (var version in loaded)
                {
                    await leases.ReleaseAsync(version.Lease, CancellationToken.None).ConfigureAwait(false);
                }

                InferenceLog.LoadFailed(logger, name, ex.Message);
                if (model.Versions.Count == 0)
                {
                    model.Set(tenant, [], $"load failed: {ex.Message}");
                }

                throw;
            }

            var previous = model.Versions;
            model.Set(tenant, loaded, "");
            foreach (var version in previous)
            {
                await leases.ReleaseAsync(version.Lease, CancellationToken.None).ConfigureAwait(false);
            }

            var versions = string.Join(",", loaded.Select(v => v.Version));
            InferenceLog.ModelLoaded(logger, name, versions, tenant);
        }
        finally
        {
            model.Gate.Release();
        }
    }

    /// <summary>Unloads every version of the model and ends their leases; NOT_FOUND for a model the repository does not know.</summary>
    public async Task UnloadAsync(string name, CancellationToken cancellationToken)
    {
        if (!_models.TryGetValue(name, out var model))
        {
            throw NotFound($"Model '{Shorten(name)}' is not in the repository.");
        }

        await model.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = model.Versions;
            model.Set(model.Tenant, [], "unloaded");
            foreach (var version in previous)
            {
                await leases.ReleaseAsync(version.Lease, CancellationToken.None).ConfigureAwait(false);
            }

            InferenceLog.ModelUnloaded(logger, name);
        }
        finally
        {
            model.Gate.Release();
        }
    }

    /// <summary>Renews the leases of every loaded version; a lease that ended leaves its version unavailable.</summary>
    public async Task RenewAllAsync(CancellationToken cancellationToken)
    {
        foreach (var version in _models.Values.SelectMany(m => m.Versions))
        {
            if (!version.Lease.IsActive)
            {
                continue;
            }

            try
            {
                await leases.RenewAsync(version.Lease, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseLostException ex)
            {
                InferenceLog.LeaseLost(logger, version.ModelName, version.Version, version.Lease.Id, ex.Reason);
            }
            catch (PoolUnavailableException)
            {
                // The pool's database is unreachable (cluster mode): the next tick tries again, well within the TTL.
            }
        }
    }

    /// <summary>
    /// Gives back the leases this node's repository holds that no served version uses: after a restart with
    /// persistence on, the leases of the versions served before (restored from the journal with their models)
    /// would otherwise hold their capacity and quota until their time-to-live ran out, while the repository loads
    /// its models again in new leases. Call before loading at start-up; returns how many were released.
    /// </summary>
    public async Task<int> ReleaseStaleLeasesAsync(CancellationToken cancellationToken)
    {
        var served = _models.Values.SelectMany(m => m.Versions).Select(v => v.Lease.Id).ToHashSet(StringComparer.Ordinal);
        var released = 0;
        foreach (var lease in leases.List(null))
        {
            if (lease.IsActive && !served.Contains(lease.Id) && RepositoryLeaseTag.IsRepositoryLease(lease.Request, inventory.Node)
                && await leases.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false))
            {
                InferenceLog.StaleLeaseReleased(logger, lease.Id, lease.Tenant);
                released++;
            }
        }

        return released;
    }

    private async Task<RepositoryModelVersion> LoadVersionAsync(RepositoryModelSource source, string tenant, RepositoryVersionFile file, bool wait, CancellationToken cancellationToken)
    {
        var slice = source.Config.ToSlice(_options.LeaseTimeToLive, _options.LoadWaitTimeout) with { ClientRequestId = RepositoryLeaseTag.New(inventory.Node) };
        var request = new V1.AcquireRequest { Slice = WireFormat.ToWire(slice), Wait = wait };
        var lease = await leases.AcquireAsync(new CallerIdentity(tenant, false), request, cancellationToken).ConfigureAwait(false)
            ?? throw new CapacityExceededException($"No slice is free for model '{source.Name}' version {file.Version} now ({slice.MemoryBytes} bytes, compute {slice.ComputeMilli ?? 0}/1000).", TimeSpan.FromSeconds(1));
        try
        {
            var bytes = await File.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false);
            var (id, loaded) = models.Load(lease, bytes, source.Config.ToModelOptions(source.Name), source.Name);
            return new RepositoryModelVersion(source.Name, file.Version, lease, id, loaded, source.Config);
        }
        catch
        {
            await leases.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static bool IsVisible(CallerIdentity caller, RepositoryModel model) =>
        caller.IsAdmin || string.Equals(model.Tenant, caller.Tenant, StringComparison.Ordinal);

    private static ServerErrorException NotFound(string message) => new(ServerError.NotFound(ErrorKinds.ModelNotFound, message));

    private static ServerErrorException NotReady(string name, string version, string reason) => new(new ServerError(
        StatusCode.Unavailable,
        ErrorKinds.Unavailable,
        $"Model '{name}'{(version.Length == 0 ? "" : $" version {version}")} is not ready: {(reason.Length == 0 ? "no version is loaded" : reason)}."));

    private static string Shorten(string value) => value.Length > 128 ? value[..128] + "…" : value;
}
