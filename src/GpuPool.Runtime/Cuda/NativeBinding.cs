namespace GpuPool.Runtime.Cuda;

/// <summary>
/// A binding to a native library that is loaded once, on first use, from a configurable path; the
/// outcome (success, or the reason it failed) is kept so an absent library is probed only once.
/// </summary>
internal abstract class NativeBinding
{
    private readonly Lazy<string?> _load;

    protected NativeBinding(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        LibraryPath = path;
        _load = new Lazy<string?>(Load);
    }

    /// <summary>The path or name the library is loaded from.</summary>
    protected string LibraryPath { get; }

    public bool TryInitialize(out string? error)
    {
        error = _load.Value;
        return error is null;
    }

    /// <summary>Loads the library and resolves its functions; returns why it failed, or <see langword="null"/>.</summary>
    protected abstract string? Load();
}
