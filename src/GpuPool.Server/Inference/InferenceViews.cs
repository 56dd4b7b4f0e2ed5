using GpuPool.Protocol;
using GpuPool.Server.Auth;
using GpuPool.Server.Errors;

namespace GpuPool.Server.Inference;

/// <summary>The read-side answers both transports share: metadata, the index, statistics, and the checks of repository calls.</summary>
internal static class InferenceViews
{
    public const string Ready = "READY";
    public const string Unavailable = "UNAVAILABLE";

    /// <summary>A model and the version whose metadata is asked for: NOT_FOUND for an unknown model or version, UNAVAILABLE with none loaded.</summary>
    public static (RepositoryModel Model, RepositoryModelVersion Version) Describe(ModelRepository repository, CallerIdentity caller, string name, string version)
    {
        var model = repository.Get(caller, name);
        var found = model.Find(version);
        if (found is not null)
        {
            return (model, found);
        }

        if (version.Length > 0 && model.Versions.Count > 0)
        {
            throw new ServerErrorException(ServerError.NotFound(ErrorKinds.ModelNotFound, $"Model '{name}' has no version '{(version.Length > 32 ? version[..32] : version)}' loaded."));
        }

        throw new ServerErrorException(new ServerError(Grpc.Core.StatusCode.Unavailable, ErrorKinds.Unavailable, $"Model '{name}' has no version loaded: {model.Reason}."));
    }

    /// <summary>The versions whose statistics are asked for: every visible loaded version for an empty name.</summary>
    public static IReadOnlyList<RepositoryModelVersion> StatisticsOf(ModelRepository repository, CallerIdentity caller, string name, string version)
    {
        if (name.Length == 0)
        {
            return [.. repository.List(caller).SelectMany(m => m.Versions)];
        }

        var model = repository.Get(caller, name);
        if (version.Length == 0)
        {
            return model.Versions;
        }

        return model.Versions.Where(v => v.Version == version).ToList() is { Count: > 0 } one
            ? one
            : throw new ServerErrorException(ServerError.NotFound(ErrorKinds.ModelNotFound, $"Model '{name}' has no version '{(version.Length > 32 ? version[..32] : version)}' loaded."));
    }

    /// <summary>The repository index the caller may see; only ready versions when <paramref name="readyOnly"/>.</summary>
    public static IReadOnlyList<RepositoryIndexEntry> Index(ModelRepository repository, CallerIdentity caller, bool readyOnly)
    {
        var entries = new List<RepositoryIndexEntry>();
        foreach (var model in repository.List(caller))
        {
            if (model.Versions.Count == 0)
            {
                entries.Add(new RepositoryIndexEntry(model.Name, "", Unavailable, model.Reason));
            }

            entries.AddRange(model.Versions.Select(v => new RepositoryIndexEntry(model.Name, v.Version, v.IsReady ? Ready : Unavailable, v.Reason)));
        }

        return readyOnly ? [.. entries.Where(e => e.State == Ready)] : entries;
    }

    /// <summary>This server has one repository, addressed by an empty name.</summary>
    public static void CheckRepositoryName(string repositoryName)
    {
        if (repositoryName.Length > 0)
        {
            throw new ServerErrorException(ServerError.NotFound(ErrorKinds.ModelNotFound, "This server has one model repository; leave repository_name empty."));
        }
    }

    /// <summary>Load and unload need the admin role (or an open development server) and take no parameters.</summary>
    public static void CheckManage(ModelRepository repository, CallerIdentity caller, string repositoryName, int parameterCount)
    {
        if (!repository.CanManage(caller))
        {
            throw new PoolAccessDeniedException("Loading and unloading repository models needs an API key of the admin role.");
        }

        CheckRepositoryName(repositoryName);
        if (parameterCount > 0)
        {
            throw new InvalidPoolRequestException("Load and unload take no parameters here: a model's settings are its gpupool.json in the repository.");
        }
    }
}
