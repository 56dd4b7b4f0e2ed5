using Google.Protobuf.Reflection;
using GpuPool.Server.Errors;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>Every string and repeated field a client can send has its own limit in <see cref="RequestLimits"/> (and so in docs/protocol.md).</summary>
public sealed class RequestLimitsCoverageTests
{
    [Fact]
    public void Fields_EveryStringAndRepeatedRequestField_HasAnExplicitLimit()
    {
        var services = V1.LeasesReflection.Descriptor.Services
            .Concat(V1.InferenceReflection.Descriptor.Services)
            .Concat(V1.AdminReflection.Descriptor.Services)
            .Concat(V1.SharedMemoryReflection.Descriptor.Services);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unlisted = new List<string>();
        foreach (var method in services.SelectMany(s => s.Methods))
        {
            Collect(method.InputType, seen, unlisted);
        }

        Assert.Empty(unlisted);
        Assert.All(RequestLimits.Fields.Keys, name => Assert.Contains(name, seen));
    }

    [Fact]
    public void Check_KserveTensorWithThousandsOfElements_IsLeftToTheKserveChecks()
    {
        var contents = new GpuPool.Server.Inference.Wire.InferTensorContents();
        contents.Fp32Contents.AddRange(new float[5_000]);
        var request = new GpuPool.Server.Inference.Wire.ModelInferRequest { ModelName = new string('m', 1_000) };
        request.Inputs.Add(new GpuPool.Server.Inference.Wire.ModelInferRequest.Types.InferInputTensor { Name = "x", Contents = contents });

        RequestLimits.Check(request);
    }

    private static void Collect(MessageDescriptor message, HashSet<string> seen, List<string> unlisted)
    {
        foreach (var field in message.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.String || field.IsRepeated)
            {
                if (seen.Add(field.FullName) && !RequestLimits.Fields.ContainsKey(field.FullName))
                {
                    unlisted.Add(field.FullName);
                }
            }

            var nested = field.IsMap ? field.MessageType.FindFieldByNumber(2).MessageType : field.FieldType == FieldType.Message ? field.MessageType : null;
            if (nested is not null && seen.Add(nested.FullName))
            {
                Collect(nested, seen, unlisted);
            }
        }
    }
}
