using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GpuPool.Server.Errors;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Inference;

/// <summary>
/// Reads the repository directory in Triton's layout: a folder per model holding <c>gpupool.json</c> and
/// numbered version folders, each with <c>model.onnx</c>. Names that could leave the directory are refused.
/// </summary>
internal sealed class ModelRepositoryDirectory(IOptions<ModelRepositoryOptions> options)
{
    /// <summary>The model file of a version folder.</summary>
    public const string ModelFileName = "model.onnx";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly string? _root = string.IsNullOrWhiteSpace(options.Value.Path) ? null : Path.GetFullPath(options.Value.Path);

    /// <summary>The names of the model folders (none without a repository).</summary>
    public IReadOnlyList<string> ModelNames()
    {
        if (_root is null || !Directory.Exists(_root))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(_root).Select(Path.GetFileName).OfType<string>().Where(IsValidName).Order(StringComparer.Ordinal)];
    }

    /// <summary>True for a model name that is one plain folder name.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 128 && name != "." && name != ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    /// <summary>Reads one model's configuration and versions.</summary>
    /// <exception cref="ServerErrorException">NOT_FOUND: no such model folder.</exception>
    /// <exception cref="InvalidPoolRequestException">The configuration or the version folders are wrong.</exception>
    public async Task<RepositoryModelSource> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var folder = _root is not null && IsValidName(name) ? Path.Combine(_root, name) : null;
        if (folder is null || !Directory.Exists(folder))
        {
            throw new ServerErrorException(ServerError.NotFound(Protocol.ErrorKinds.ModelNotFound, $"The model repository has no model '{Truncate(name)}'."));
        }

        var configPath = Path.Combine(folder, RepositoryModelConfig.FileName);
        if (!File.Exists(configPath))
        {
            throw new InvalidPoolRequestException($"Model '{name}' has no {RepositoryModelConfig.FileName} (its slice and tenant).");
        }

        RepositoryModelConfig config;
        try
        {
            var stream = File.OpenRead(configPath);
            await using (stream.ConfigureAwait(false))
            {
                config = await JsonSerializer.DeserializeAsync<RepositoryModelConfig>(stream, Json, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidPoolRequestException($"Model '{name}': {RepositoryModelConfig.FileName} is empty.");
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidPoolRequestException($"Model '{name}': {RepositoryModelConfig.FileName} is not valid: {ex.Message}");
        }

        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidPoolRequestException($"Model '{name}': {RepositoryModelConfig.FileName}: {string.Join(" ", errors)}");
        }

        var versions = Directory.EnumerateDirectories(folder)
            .Select(d => (Dir: d, Ok: long.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v), Version: v))
            .Where(v => v.Ok && v.Version > 0 && File.Exists(Path.Combine(v.Dir, ModelFileName)))
            .OrderByDescending(v => v.Version)
            .Select(v => new RepositoryVersionFile(v.Version, Path.Combine(v.Dir, ModelFileName)))
            .ToList();
        if (versions.Count == 0)
        {
            throw new InvalidPoolRequestException($"Model '{name}' has no version folder with a {ModelFileName} (<repository>/{name}/1/{ModelFileName}).");
        }

        return new RepositoryModelSource(name, config, config.ServesAllVersions ? versions : versions.Take(1).ToList());
    }

    private static string Truncate(string name) => name.Length > 128 ? name[..128] + "…" : name;
}
