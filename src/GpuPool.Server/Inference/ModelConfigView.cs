using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using GpuPool.Server.Inference.Wire;

namespace GpuPool.Server.Inference;

/// <summary>
/// Triton's model configuration (the <c>model_configuration</c> extension) of a served version, from what the
/// repository knows: its <c>gpupool.json</c>, the loaded model's tensors and the device its lease is on.
/// </summary>
internal static class ModelConfigView
{
    /// <summary>The file name of a version's model in the repository.</summary>
    public const string ModelFileName = "model.onnx";

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));

    /// <summary>
    /// The configuration. With batching the model takes a batch dimension first, so (as Triton) <c>max_batch_size</c>
    /// is set and <c>dims</c> leave that dimension out; without it <c>max_batch_size</c> is 0 and <c>dims</c> are the
    /// full shapes (-1 for a dynamic dimension).
    /// </summary>
    public static ModelConfig Describe(RepositoryModelVersion version)
    {
        var batching = version.Model.IsBatching && version.Config.Batching is { } b ? b : null;
        var config = new ModelConfig
        {
            Name = version.ModelName,
            Platform = ServerMetadataInfo.OnnxPlatform,
            Backend = "onnxruntime",
            MaxBatchSize = batching?.MaxBatchSize ?? 0,
            DefaultModelFilename = ModelFileName,
            VersionPolicy = version.Config.ServesAllVersions
                ? new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() }
                : new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = 1 } },
        };
        var skip = batching is null ? 0 : 1;
        foreach (var input in version.Model.Instance.Inputs)
        {
            config.Input.Add(new ModelInput { Name = input.Name, DataType = DataTypeOf(input.ElementType), Dims = { input.Shape.Skip(skip) } });
        }

        foreach (var output in version.Model.Instance.Outputs)
        {
            config.Output.Add(new ModelOutput { Name = output.Name, DataType = DataTypeOf(output.ElementType), Dims = { output.Shape.Skip(skip) } });
        }

        if (batching is not null)
        {
            config.DynamicBatching = new ModelDynamicBatching { MaxQueueDelayMicroseconds = (ulong)batching.MaxQueueDelayUs };
        }

        var devices = version.Lease.Devices;
        var onGpu = devices.Count > 0 && devices.All(d => d.Kind != DeviceKind.Cpu);
        var group = new ModelInstanceGroup
        {
            Name = $"{version.ModelName}_0",
            Kind = onGpu ? ModelInstanceGroup.Types.Kind.Gpu : ModelInstanceGroup.Types.Kind.Cpu,
            Count = 1,
        };
        if (onGpu)
        {
            group.Gpus.AddRange(devices.Select(d => d.Ordinal));
        }

        config.InstanceGroup.Add(group);
        return config;
    }

    /// <summary>
    /// The configuration as JSON, as Triton's HTTP endpoint answers it: protobuf's JSON with the proto's field
    /// names, except that 64-bit integers are numbers (protobuf writes them as strings; Triton converts them back).
    /// </summary>
    public static string ToJson(ModelConfig config)
    {
        var node = JsonNode.Parse(Json.Format(config))!;
        Int64sAsNumbers(node);
        return node.ToJsonString();
    }

    /// <summary>The protocol's data type of an element type.</summary>
    public static DataType DataTypeOf(TensorDataType type) => type switch
    {
        TensorDataType.Bool => DataType.TypeBool,
        TensorDataType.UInt8 => DataType.TypeUint8,
        TensorDataType.UInt16 => DataType.TypeUint16,
        TensorDataType.UInt32 => DataType.TypeUint32,
        TensorDataType.UInt64 => DataType.TypeUint64,
        TensorDataType.Int8 => DataType.TypeInt8,
        TensorDataType.Int16 => DataType.TypeInt16,
        TensorDataType.Int32 => DataType.TypeInt32,
        TensorDataType.Int64 => DataType.TypeInt64,
        TensorDataType.Float16 => DataType.TypeFp16,
        TensorDataType.Float32 => DataType.TypeFp32,
        TensorDataType.Float64 => DataType.TypeFp64,
        TensorDataType.String => DataType.TypeString,
        TensorDataType.BFloat16 => DataType.TypeBf16,
        _ => DataType.TypeInvalid,
    };

    private static void Int64sAsNumbers(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (name is "dims" && value is JsonArray dims)
                    {
                        obj[name] = new JsonArray([.. dims.Select(d => (JsonNode?)long.Parse(d!.GetValue<string>(), CultureInfo.InvariantCulture))]);
                    }
                    else if (name is "max_queue_delay_microseconds" && value is JsonValue delay)
                    {
                        obj[name] = ulong.Parse(delay.GetValue<string>(), CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        Int64sAsNumbers(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Int64sAsNumbers(item);
                }

                break;
        }
    }
}
