using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace GpuPool.Server.Errors;

/// <summary>
/// The limits on every string and repeated field a client sends (docs/protocol.md has the table). A request
/// over one is refused with INVALID_ARGUMENT before any GpuPool code reads it; the message names the field
/// and the limit, never the value. Fields not listed get <see cref="DefaultStringLength"/> /
/// <see cref="DefaultCount"/>, so a field added to the protocol is bounded before anyone lists it.
/// </summary>
internal static class RequestLimits
{
    /// <summary>Characters of a string field that is not listed.</summary>
    public const int DefaultStringLength = 256;

    /// <summary>Elements of a repeated field (or entries of a map) that is not listed.</summary>
    public const int DefaultCount = 1024;

    /// <summary>Characters of an id the server issued (lease, model) or a client's request id.</summary>
    public const int IdLength = 128;

    /// <summary>
    /// Per field (full protobuf name): the most characters of a string (of each element, for a repeated
    /// string or a map's keys), and the most elements of a repeated field or entries of a map.
    /// </summary>
    public static IReadOnlyDictionary<string, (int Length, int Count)> Fields { get; } = new Dictionary<string, (int, int)>(StringComparer.Ordinal)
    {
        ["gpupool.v1.DeviceConstraints.models"] = (256, 64),
        ["gpupool.v1.DeviceConstraints.node"] = (256, 0),
        ["gpupool.v1.DeviceConstraints.device_id"] = (256, 0),
        ["gpupool.v1.SliceRequest.client_request_id"] = (IdLength, 0),
        ["gpupool.v1.RenewRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.ReleaseRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.GetLeaseRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.Attach.lease_ids"] = (IdLength, 1024),
        ["gpupool.v1.Detach.lease_ids"] = (IdLength, 1024),
        ["gpupool.v1.ModelHeader.lease_id"] = (IdLength, 0),
        ["gpupool.v1.ModelHeader.name"] = (256, 0),
        ["gpupool.v1.ModelHeader.sha256"] = (64, 0),
        ["gpupool.v1.UnloadModelRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.UnloadModelRequest.model_id"] = (IdLength, 0),
        ["gpupool.v1.RunRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.RunRequest.model_id"] = (IdLength, 0),
        ["gpupool.v1.RunRequest.inputs"] = (256, 256),
        ["gpupool.v1.Tensor.shape"] = (0, 32),
        // W3C trace context: traceparent is 55 characters, tracestate at most 512.
        ["gpupool.v1.RunRequest.traceparent"] = (64, 0),
        ["gpupool.v1.RunRequest.tracestate"] = (512, 0),
        ["gpupool.v1.RunRequest.shared_inputs"] = (256, 256),
        ["gpupool.v1.RunRequest.shared_outputs"] = (256, 256),
        ["gpupool.v1.SharedTensorRef.region"] = (256, 0),
        ["gpupool.v1.SharedTensorRef.shape"] = (0, 32),
        ["gpupool.v1.RegisterRegionRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.RegisterRegionRequest.name"] = (256, 0),
        ["gpupool.v1.RegisterRegionRequest.path"] = (1024, 0),
        ["gpupool.v1.UnregisterRegionRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.UnregisterRegionRequest.name"] = (256, 0),
        ["gpupool.v1.RegionStatusRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.RegionStatusRequest.name"] = (256, 0),
        ["gpupool.v1.ListAllLeasesRequest.tenant"] = (IdLength, 0),
        ["gpupool.v1.DrainDeviceRequest.node"] = (256, 0),
        ["gpupool.v1.DrainDeviceRequest.device_id"] = (256, 0),
        ["gpupool.v1.RevokeLeaseRequest.lease_id"] = (IdLength, 0),
        ["gpupool.v1.ListModelsRequest.tenant"] = (IdLength, 0),
    };

    /// <summary>The protocol these limits are for; other protocols the server speaks (KServe v2) have their own checks.</summary>
    public const string Package = "gpupool.v1";

    /// <summary>
    /// Throws <see cref="InvalidPoolRequestException"/> when a field of <paramref name="message"/> (at any depth) is
    /// over its limit. Messages of other packages than <see cref="Package"/> pass unchecked.
    /// </summary>
    public static void Check(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!string.Equals(message.Descriptor.File.Package, Package, StringComparison.Ordinal))
        {
            return;
        }

        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType is not (FieldType.String or FieldType.Message) && !field.IsRepeated)
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            var (length, count) = LimitsOf(field);
            if (field.IsMap)
            {
                var map = (IDictionary)value;
                CheckCount(field, map.Count, count);
                foreach (DictionaryEntry entry in map)
                {
                    CheckValue(field, entry.Key, length);
                    CheckValue(field, entry.Value, length);
                }
            }
            else if (field.IsRepeated)
            {
                var list = (IList)value;
                CheckCount(field, list.Count, count);
                foreach (var item in list)
                {
                    CheckValue(field, item, length);
                }
            }
            else
            {
                CheckValue(field, value, length);
            }
        }
    }

    private static (int Length, int Count) LimitsOf(FieldDescriptor field) =>
        Fields.TryGetValue(field.FullName, out var limits)
            ? (limits.Length == 0 ? DefaultStringLength : limits.Length, limits.Count == 0 ? DefaultCount : limits.Count)
            : (DefaultStringLength, DefaultCount);

    private static void CheckValue(FieldDescriptor field, object? value, int length)
    {
        switch (value)
        {
            case string text when text.Length > length:
                throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture, $"{field.FullName} is {text.Length} characters long; at most {length} are allowed."));
            case IMessage nested:
                Check(nested);
                break;
        }
    }

    private static void CheckCount(FieldDescriptor field, int actual, int limit)
    {
        if (actual > limit)
        {
            throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture, $"{field.FullName} has {actual} elements; at most {limit} are allowed."));
        }
    }
}
