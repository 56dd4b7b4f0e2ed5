using System.IO.Compression;
using System.Text;

namespace GpuPool.TorchSharp.Internal;

/// <summary>
/// What the pool reads from a TorchScript archive before handing it to libtorch: the root module's class, its
/// forward() parameter names, the size of its tensor storages, and the I/O signature in <c>extra/gpupool.json</c>.
/// </summary>
internal sealed class TorchScriptArchive
{
    private TorchScriptArchive(string rootClass, ForwardSignature? forward, long storageBytes, TorchScriptSignature? signature)
    {
        RootClass = rootClass;
        Forward = forward;
        StorageBytes = storageBytes;
        Signature = signature;
    }

    /// <summary>The root module's qualified class name, for example <c>__torch__.Net</c>.</summary>
    public string RootClass { get; }

    /// <summary>forward()'s parameters and return type, or null when its source could not be read.</summary>
    public ForwardSignature? Forward { get; }

    /// <summary>Bytes of tensor storage (parameters, buffers, constants) the module keeps once loaded.</summary>
    public long StorageBytes { get; }

    /// <summary>The declared inputs and outputs, or null when the archive has none.</summary>
    public TorchScriptSignature? Signature { get; }

    /// <exception cref="InvalidPoolRequestException">The bytes are not a TorchScript archive.</exception>
    public static TorchScriptArchive Read(ReadOnlyMemory<byte> bytes)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes.ToArray(), writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidPoolRequestException($"The model is not a TorchScript archive (the zip file torch.jit.save writes): {ex.Message}", null, ex);
        }

        using (zip)
        {
            var records = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
            var prefix = records.Count > 0 && records[0].FullName.IndexOf('/', StringComparison.Ordinal) is var slash and > 0
                ? records[0].FullName[..(slash + 1)]
                : "";
            var byName = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                if (prefix.Length == 0 || !record.FullName.StartsWith(prefix, StringComparison.Ordinal))
                {
                    throw new InvalidPoolRequestException($"The model is not a TorchScript archive: its records must all sit in one folder, but '{record.FullName}' does not.");
                }

                byName[record.FullName[prefix.Length..]] = record;
            }

            if (!byName.TryGetValue("data.pkl", out var data))
            {
                throw new InvalidPoolRequestException("The model is a zip file but not a TorchScript archive: it has no data.pkl.");
            }

            if (!byName.ContainsKey("constants.pkl") || !byName.Keys.Any(k => k.StartsWith("code/", StringComparison.Ordinal)))
            {
                throw new InvalidPoolRequestException(
                    "The model is a PyTorch checkpoint (torch.save: data.pkl without code/ and constants.pkl), not TorchScript. Export it with torch.jit.script or torch.jit.trace and save it with torch.jit.save.");
            }

            var rootClass = RootClassOf(ReadAll(data));
            var code = byName.GetValueOrDefault(CodePath(rootClass));
            var forward = code is null ? null : TorchScriptSource.Forward(Encoding.UTF8.GetString(ReadAll(code)), ClassName(rootClass));
            if (forward?.ReturnType is { } returns && returns.StartsWith("Dict[", StringComparison.Ordinal))
            {
                throw new InvalidPoolRequestException(
                    $"The TorchScript model's forward() returns {returns}; TorchSharp cannot return a dict from forward(). Return a tensor or a tuple of tensors (named in order by extra/{TorchScriptSignature.FileName}).");
            }

            var storage = byName.Where(kv => kv.Key.StartsWith("data/", StringComparison.Ordinal) || kv.Key.StartsWith("constants/", StringComparison.Ordinal)).Sum(kv => kv.Value.Length);
            var signature = byName.TryGetValue("extra/" + TorchScriptSignature.FileName, out var json)
                ? TorchScriptSignature.Parse(ReadAll(json))
                : null;
            return new TorchScriptArchive(rootClass, forward, storage, signature);
        }
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    // data.pkl pickles the root module: PROTO 2, then GLOBAL '<module>\n<class>\n'.
    private static string RootClassOf(byte[] pickle)
    {
        if (pickle.Length > 3 && pickle[0] == 0x80 && pickle[2] == (byte)'c')
        {
            var text = Encoding.UTF8.GetString(pickle, 3, Math.Min(pickle.Length - 3, 1024));
            var lines = text.Split('\n', 3);
            if (lines.Length == 3 && lines[0].StartsWith("__torch__", StringComparison.Ordinal))
            {
                return lines[0] + "." + lines[1];
            }
        }

        throw new InvalidPoolRequestException("The model is not a TorchScript archive: data.pkl does not start with a TorchScript module.");
    }

    private static string CodePath(string qualifiedClass)
    {
        var module = qualifiedClass[..qualifiedClass.LastIndexOf('.')];
        return "code/" + module.Replace('.', '/') + ".py";
    }

    private static string ClassName(string qualifiedClass) => qualifiedClass[(qualifiedClass.LastIndexOf('.') + 1)..];
}
