namespace GpuPool.Runtime.Models;

/// <summary>
/// A model read from a stream, spooled to a temporary file so that it is loaded like a model file (mapped,
/// never held on the managed heap, where a model-sized array stays committed after it is collected). The
/// file is deleted when this is disposed, once the model is loaded.
/// </summary>
internal sealed class SpooledModelFile : IDisposable
{
    private SpooledModelFile(string path) => Path = path;

    /// <summary>The temporary file.</summary>
    public string Path { get; }

    /// <summary>Copies the model into a new temporary file (only this user can read it).</summary>
    /// <exception cref="InvalidPoolRequestException">The stream is empty.</exception>
    public static async Task<SpooledModelFile> CreateAsync(ModelSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var spooled = new SpooledModelFile(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"gpupool-model-{Guid.NewGuid():N}.bin"));
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var file = new FileStream(spooled.Path, options);
            await using (file.ConfigureAwait(false))
            {
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                if (file.Length == 0)
                {
                    throw new InvalidPoolRequestException("The model is empty (0 bytes).");
                }
            }

            return spooled;
        }
        catch
        {
            spooled.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Best effort: a temporary file left behind is the system's to clean.
        }
    }
}
