using System.IO.Compression;
using System.Text.Json;

namespace GpuPool.TorchSharp;

/// <summary>
/// The named inputs and outputs of a TorchScript model, kept in the archive as <c>extra/gpupool.json</c>
/// (TorchScript's own signature says only <c>Tensor</c>: no element type, no rank).
/// </summary>
/// <remarks>
/// Inputs are passed to <c>forward()</c> by parameter name (each input's name must be one of forward's
/// parameters). Outputs map to what <c>forward()</c> returns: one tensor is the single output; a tuple or list
/// is matched to the outputs in order (TorchSharp cannot return a dict from forward()). From Python, save the file
/// with <c>torch.jit.save(m, path, _extra_files={"gpupool.json": json.dumps(signature)})</c>; from .NET, use
/// <see cref="Attach"/>.
/// </remarks>
public sealed class TorchScriptSignature
{
    /// <summary>The file name inside the archive's <c>extra/</c> folder.</summary>
    public const string FileName = "gpupool.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    /// <summary>Creates a signature.</summary>
    public TorchScriptSignature(IReadOnlyList<TensorInfo> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The inputs, named after forward()'s parameters.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The outputs, in the order forward() returns them.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>Returns a copy of the TorchScript archive <paramref name="model"/> that carries <paramref name="signature"/>.</summary>
    /// <exception cref="InvalidPoolRequestException">The bytes are not a zip archive.</exception>
    public static byte[] Attach(ReadOnlySpan<byte> model, TorchScriptSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        using var output = new MemoryStream();
        try
        {
            using var source = new ZipArchive(new MemoryStream(model.ToArray(), writable: false), ZipArchiveMode.Read);
            using var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
            var prefix = source.Entries.Count > 0 ? source.Entries[0].FullName.Split('/')[0] : "archive";
            var extraName = prefix + "/extra/" + FileName;
            foreach (var entry in source.Entries.Where(e => e.FullName != extraName))
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression);
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }

            var extra = target.CreateEntry(extraName, CompressionLevel.NoCompression);
            using var stream = extra.Open();
            stream.Write(signature.ToJson());
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidPoolRequestException($"The model is not a TorchScript archive (a zip file): {ex.Message}", null, ex);
        }

        return output.ToArray();
    }

    /// <summary>The signature as the JSON stored in the archive.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(
        new Document([.. Inputs.Select(Entry.From)], [.. Outputs.Select(Entry.From)]), Json);

    /// <summary>Reads the JSON stored in an archive.</summary>
    /// <exception cref="InvalidPoolRequestException">The JSON is malformed or names an unsupported element type.</exception>
    public static TorchScriptSignature Parse(ReadOnlySpan<byte> json)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidPoolRequestException($"extra/{FileName} in the TorchScript archive is not valid: {ex.Message}", null, ex);
        }

        if (document?.Inputs is null || document.Outputs is null)
        {
            throw new InvalidPoolRequestException($"extra/{FileName} in the TorchScript archive must list \"inputs\" and \"outputs\".");
        }

        return new TorchScriptSignature([.. document.Inputs.Select(e => e.ToInfo("input"))], [.. document.Outputs.Select(e => e.ToInfo("output"))]);
    }

    private sealed record Document(Entry[]? Inputs, Entry[]? Outputs);

    private sealed record Entry(string? Name, string? Type, long[]? Shape)
    {
        public static Entry From(TensorInfo info) => new(info.Name, info.ElementType.ToString().ToLowerInvariant(), [.. info.Shape]);

        public TensorInfo ToInfo(string kind)
        {
            if (string.IsNullOrWhiteSpace(Name) || Shape is null || !Enum.TryParse<TensorDataType>(Type, ignoreCase: true, out var type) || type == TensorDataType.Unknown || int.TryParse(Type, out _))
            {
                throw new InvalidPoolRequestException($"extra/{FileName}: every {kind} needs a \"name\", a \"type\" (float32, int64, ...) and a \"shape\" (-1 for a dynamic dimension); got name '{Name}', type '{Type}', shape {(Shape is null ? "none" : "[" + string.Join(",", Shape) + "]")}.");
            }

            return new TensorInfo(Name, type, Shape);
        }
    }
}
