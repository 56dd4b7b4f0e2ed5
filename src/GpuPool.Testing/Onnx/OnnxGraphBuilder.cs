using System.Runtime.InteropServices;

namespace GpuPool.Testing.Onnx;

/// <summary>
/// Writes small ONNX models from scratch (ModelProto, opset 13): inputs and outputs of any element type with
/// fixed or symbolic dimensions, float initializers and nodes with integer attributes. Enough for test networks.
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
        _graph.Message(11, ValueInfo(name, FloatType, dims));
        return this;
    }

    /// <summary>Adds a graph input of any element type (strings and unsigned integers included).</summary>
    public OnnxGraphBuilder Input(string name, TensorDataType elementType, params object[] dims)
    {
        _graph.Message(11, ValueInfo(name, OnnxElementType(elementType), dims));
        return this;
    }

    /// <summary>Adds a float graph output.</summary>
    public OnnxGraphBuilder Output(string name, params object[] dims)
    {
        _graph.Message(12, ValueInfo(name, FloatType, dims));
        return this;
    }

    /// <summary>Adds a graph output of any element type.</summary>
    public OnnxGraphBuilder Output(string name, TensorDataType elementType, params object[] dims)
    {
        _graph.Message(12, ValueInfo(name, OnnxElementType(elementType), dims));
        return this;
    }

    /// <summary>Adds a node with integer attributes (for example Cast's <c>to</c>, an ONNX element type number).</summary>
    public OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs, IReadOnlyDictionary<string, long> intAttributes)
    {
        ArgumentNullException.ThrowIfNull(intAttributes);
        var attributes = new List<ProtoWriter>();
        foreach (var (attribute, value) in intAttributes)
        {
            // AttributeProto: name = 1, i = 3, type = 20 (INT = 2).
            attributes.Add(new ProtoWriter().String(1, attribute).Varint(3, value).Varint(20, 2));
        }

        return Node(opType, inputs, outputs, attributes);
    }

    /// <summary>The ONNX <c>TensorProto.DataType</c> number of an element type.</summary>
    public static int OnnxElementType(TensorDataType elementType) => elementType switch
    {
        TensorDataType.Float32 => FloatType,
        TensorDataType.UInt8 => 2,
        TensorDataType.Int8 => 3,
        TensorDataType.UInt16 => 4,
        TensorDataType.Int16 => 5,
        TensorDataType.Int32 => 6,
        TensorDataType.Int64 => 7,
        TensorDataType.String => 8,
        TensorDataType.Bool => 9,
        TensorDataType.Float16 => 10,
        TensorDataType.Float64 => 11,
        TensorDataType.UInt32 => 12,
        TensorDataType.UInt64 => 13,
        TensorDataType.BFloat16 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "No ONNX element type."),
    };

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
    public OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs) => Node(opType, inputs, outputs, []);

    private OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs, List<ProtoWriter> attributes)
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
        foreach (var attribute in attributes)
        {
            node.Message(5, attribute);
        }

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

    private static ProtoWriter ValueInfo(string name, int elementType, object[] dims)
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

        var tensorType = new ProtoWriter().Varint(1, elementType).Message(2, shape);
        var type = new ProtoWriter().Message(1, tensorType);
        return new ProtoWriter().String(1, name).Message(2, type);
    }
}
