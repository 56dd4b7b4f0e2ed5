namespace GpuPool;

/// <summary>Where a model's bytes come from: memory, a file or a stream.</summary>
public sealed class ModelSource
{
    private readonly ReadOnlyMemory<byte>? _bytes;
    private readonly string? _path;
    private readonly Stream? _stream;

    private ModelSource(string name, ReadOnlyMemory<byte>? bytes, string? path, Stream? stream)
    {
        Name = name;
        _bytes = bytes;
        _path = path;
        _stream = stream;
    }

    /// <summary>The model's name (the file name, or the one given).</summary>
    public string Name { get; }

    /// <summary>The file the model is read from, or <see langword="null"/> for bytes and streams.</summary>
    /// <remarks>An embedded pool maps the file instead of reading it into memory.</remarks>
    public string? FilePath => _path;

    /// <summary>A model held in memory.</summary>
    public static ModelSource FromBytes(ReadOnlyMemory<byte> bytes, string name = "model")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ModelSource(name, bytes, null, null);
    }

    /// <summary>A model file.</summary>
    public static ModelSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new ModelSource(Path.GetFileName(path), null, path, null);
    }

    /// <summary>A model read from a stream (read once, to its end; the caller keeps ownership of the stream).</summary>
    public static ModelSource FromStream(Stream stream, string name = "model")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ModelSource(name, null, null, stream);
    }

    /// <summary>True for a model read from a stream (<see cref="FromStream"/>).</summary>
    public bool IsStream => _stream is not null;

    /// <summary>
    /// Writes the whole model to <paramref name="destination"/> through a small buffer: a stream is copied
    /// without holding the model in memory (an embedded pool spools it to a temporary file it maps).
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">The file does not exist.</exception>
    public async ValueTask CopyToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_stream is not null)
        {
            await _stream.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_path is not null)
        {
            if (!File.Exists(_path))
            {
                throw new InvalidPoolRequestException($"Model file '{_path}' does not exist.");
            }

            var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await file.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await destination.WriteAsync(_bytes!.Value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the whole model.</summary>
    /// <exception cref="InvalidPoolRequestException">The file does not exist.</exception>
    public async ValueTask<ReadOnlyMemory<byte>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        if (_bytes is { } bytes)
        {
            return bytes;
        }

        if (_path is not null)
        {
            if (!File.Exists(_path))
            {
                throw new InvalidPoolRequestException($"Model file '{_path}' does not exist.");
            }

            return await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
        }

        using var buffer = new MemoryStream();
        await _stream!.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
