using System.Runtime.InteropServices;

namespace GpuPool.Testing.Onnx;

/// <summary>
/// Writes small ONNX models from scratch (ModelProto, opset 13): float inputs and outputs with fixed
/// or symbolic dimensions, float initializers and plain nodes. Enough for test networks.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private const int FloatType = 1;
    private readonly ProtoWriter _graph = new();

    /// <summary>Starts a graph with a name.</summary>
    public OnnxGraphBuilder(string name = "gpupool-test")
    {
        _graph.String(2, name);
    }

    /// <summary>Adds a float graph input; a dimension is a number or a symbolic name (for example <c>"batch"</c>).</summary>
    public OnnxGraphBuilder Input(string name, params object[] dims)
    {
        _graph.Message(11, ValueInfo(name, dims));
        return this;
    }

    /// <summary>Adds a float graph output.</summary>
    public OnnxGraphBuilder Output(string name, params object[] dims)
    {
        _graph.Message(12, ValueInfo(name, dims));
        return this;
    }

    /// <summary>Adds a float initializer (a weight).</summary>
    public OnnxGraphBuilder Initializer(string name, float[] values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensor = new ProtoWriter();
        foreach (var d in dims)
        {
            tensor.Varint(1, d);
        }

        tensor.Varint(2, FloatType).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Message(5, tensor);
        return this;
    }

    /// <summary>Adds a node.</summary>
    public OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var node = new ProtoWriter();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, $"{opType}_{outputs[0]}").String(4, opType);
        _graph.Message(1, node);
        return this;
    }

    /// <summary>The model bytes (IR version 8, default opset 13).</summary>
    public byte[] Build()
    {
        var opset = new ProtoWriter().String(1, "").Varint(2, 13);
        return new ProtoWriter()
            .Varint(1, 8)
            .String(2, "GpuPool.Testing")
            .Message(7, _graph)
            .Message(8, opset)
            .ToArray();
    }

    private static ProtoWriter ValueInfo(string name, object[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var dim in dims)
        {
            var d = new ProtoWriter();
            if (dim is string param)
            {
                d.String(2, param);
            }
            else
            {
                d.Varint(1, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture));
            }

            shape.Message(1, d);
        }

        var tensorType = new ProtoWriter().Varint(1, FloatType).Message(2, shape);
        var type = new ProtoWriter().Message(1, tensorType);
        return new ProtoWriter().String(1, name).Message(2, type);
    }
}
