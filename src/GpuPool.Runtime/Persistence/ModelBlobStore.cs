using System.Security.Cryptography;

namespace GpuPool.Runtime.Persistence;

/// <summary>
/// Model bytes on disk, stored once per content (SHA-256) however many leases load them. Files are
/// written to a temporary name, flushed and renamed, so a crash never leaves a partial model under its
/// hash; reads check the hash again, so a damaged file is never loaded.
/// </summary>
internal sealed class ModelBlobStore
{
    /// <summary>Creates a store over <paramref name="directory"/> (created when missing).</summary>
    public ModelBlobStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The directory holding the models.</summary>
    public string Directory { get; }

    /// <summary>Stores the bytes (unless the same content is already there) and returns their hash.</summary>
    /// <exception cref="IOException">The bytes cannot be written (disk full, read-only).</exception>
    public string Put(ReadOnlySpan<byte> bytes)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var path = PathOf(hash);
        if (File.Exists(path))
        {
            return hash;
        }

        System.IO.Directory.CreateDirectory(Directory);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return hash;
    }

    /// <summary>Reads the bytes stored under <paramref name="hash"/>; <see langword="false"/> when missing or damaged.</summary>
    public bool TryRead(string hash, out byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(hash);
        bytes = [];
        var path = PathOf(hash);
        if (!File.Exists(path))
        {
            return false;
        }

        var read = File.ReadAllBytes(path);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(read)), hash, StringComparison.Ordinal))
        {
            return false;
        }

        bytes = read;
        return true;
    }

    /// <summary>Deletes every stored model whose hash is not in <paramref name="keep"/>; returns how many.</summary>
    public int Prune(IReadOnlySet<string> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (!keep.Contains(Path.GetFileName(file)))
            {
                File.Delete(file);
                deleted++;
            }
        }

        return deleted;
    }

    private string PathOf(string hash)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{hash}' is not a lower-case hex SHA-256.", nameof(hash));
        }

        return Path.Combine(Directory, hash);
    }
}
