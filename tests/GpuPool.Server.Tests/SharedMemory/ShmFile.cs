namespace GpuPool.Server.Tests.SharedMemory;

/// <summary>A file of the given size in /dev/shm (or elsewhere), deleted at dispose.</summary>
internal sealed class ShmFile : IDisposable
{
    public ShmFile(long bytes, string directory = "/dev/shm")
    {
        Path = System.IO.Path.Combine(directory, $"gpupool-test-{Guid.NewGuid():N}");
        using var stream = new FileStream(Path, FileMode.CreateNew, FileAccess.ReadWrite);
        stream.SetLength(bytes);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
