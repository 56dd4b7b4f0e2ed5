using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace GpuPool.TorchSharp.Tests.Support;

/// <summary>
/// Writes a TorchScript archive the way <c>torch.jit.save</c> lays it out: a zip whose records sit
/// under one folder, with <c>version</c>, the module's class as Python source in
/// <c>code/__torch__.py</c>, its state pickled in <c>data.pkl</c> (tensors as persistent ids),
/// the tensors' storages in <c>data/N</c>, an empty <c>constants.pkl</c>, and optional
/// <c>extra/</c> files. Only float32 parameters are needed by the tests.
/// </summary>
internal sealed class TorchScriptArchiveWriter(string className, string archiveName = "archive")
{
    private readonly List<(string Name, float[] Values, long[] Shape)> _parameters = [];
    private readonly Dictionary<string, string> _extra = new(StringComparer.Ordinal);
    private string _forward = "";

    public TorchScriptArchiveWriter Parameter(string name, float[] values, params long[] shape)
    {
        _parameters.Add((name, values, shape));
        return this;
    }

    /// <summary>The forward method's source (TorchScript), indented by two spaces as a class member.</summary>
    public TorchScriptArchiveWriter Forward(string source)
    {
        _forward = source;
        return this;
    }

    public TorchScriptArchiveWriter Extra(string name, string content)
    {
        _extra[name] = content;
        return this;
    }

    public byte[] Build()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "data.pkl", DataPickle());
            Add(zip, "code/__torch__.py", Encoding.UTF8.GetBytes(Code()));
            Add(zip, "constants.pkl", new PickleWriter().EmptyTuple().Finish());
            for (var i = 0; i < _parameters.Count; i++)
            {
                Add(zip, $"data/{i}", MemoryMarshal.AsBytes(_parameters[i].Values.AsSpan()).ToArray());
            }

            foreach (var (name, content) in _extra)
            {
                Add(zip, "extra/" + name, Encoding.UTF8.GetBytes(content));
            }

            Add(zip, "version", Encoding.ASCII.GetBytes("3\n"));
        }

        return output.ToArray();
    }

    private string Code()
    {
        var code = new StringBuilder();
        code.Append("class ").Append(className).Append("(Module):\n");
        code.Append("  __parameters__ = [").Append(string.Concat(_parameters.Select(p => $"\"{p.Name}\", "))).Append("]\n");
        code.Append("  __buffers__ = []\n");
        foreach (var parameter in _parameters)
        {
            code.Append("  ").Append(parameter.Name).Append(" : Tensor\n");
        }

        code.Append("  training : bool\n");
        code.Append(_forward);
        return code.ToString();
    }

    private byte[] DataPickle()
    {
        var pickle = new PickleWriter().Global("__torch__", className).EmptyTuple().NewObj().EmptyDict().Mark();
        pickle.String("training").Bool(false);
        for (var i = 0; i < _parameters.Count; i++)
        {
            var (name, values, shape) = _parameters[i];
            pickle.String(name);
            pickle.Global("torch._utils", "_rebuild_tensor_v2").Mark();
            pickle.Mark().String("storage").Global("torch", "FloatStorage").String(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).String("cpu").Int(values.Length).Tuple().BinPersId();
            pickle.Int(0).IntTuple(shape).IntTuple(Strides(shape)).Bool(false);
            pickle.Global("collections", "OrderedDict").EmptyTuple().Reduce();
            pickle.Tuple().Reduce();
        }

        return pickle.SetItems().Build().Finish();
    }

    private static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }

    private void Add(ZipArchive zip, string name, byte[] content)
    {
        var entry = zip.CreateEntry(archiveName + "/" + name, CompressionLevel.NoCompression);
        using var stream = entry.Open();
        stream.Write(content);
    }
}
