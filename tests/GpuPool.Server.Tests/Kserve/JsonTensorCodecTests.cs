using System.Text;
using System.Text.Json;
using GpuPool.Server.Inference;

namespace GpuPool.Server.Tests.Kserve;

public sealed class JsonTensorCodecTests
{
    [Fact]
    public void Decode_EveryNumericTypeInJson_EncodesBackToTheSameValues()
    {
        var json = """
            {"id":"j","inputs":[
              {"name":"b","datatype":"BOOL","shape":[2],"data":[true,false]},
              {"name":"u8","datatype":"UINT8","shape":[2],"data":[0,255]},
              {"name":"i8","datatype":"INT8","shape":[2],"data":[-128,127]},
              {"name":"i16","datatype":"INT16","shape":[2],"data":[-32768,32767]},
              {"name":"i32","datatype":"INT32","shape":[1],"data":[-5]},
              {"name":"i64","datatype":"INT64","shape":[1],"data":[9007199254740993]},
              {"name":"h","datatype":"FP16","shape":[2],"data":[1.5,-2]},
              {"name":"bf","datatype":"BF16","shape":[1],"data":[0.5]},
              {"name":"f","datatype":"FP32","shape":[2,1],"data":[[0.25],["NaN"]]},
              {"name":"d","datatype":"FP64","shape":[1],"data":["-Infinity"]}]}
            """;
        var request = JsonTensorDecoder.Decode(Encoding.UTF8.GetBytes(json), Encoding.UTF8.GetByteCount(json), 1 << 20);

        var (body, headerLength) = JsonTensorEncoder.Encode("m", "1", request, [.. request.Inputs.Select(kv => (kv.Key, kv.Value))]);

        Assert.Equal(body.Length, headerLength);
        using var answer = JsonDocument.Parse(body);
        var data = answer.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!, o => o.GetProperty("data").GetRawText());
        Assert.Equal("[true,false]", data["b"]);
        Assert.Equal("[0,255]", data["u8"]);
        Assert.Equal("[-128,127]", data["i8"]);
        Assert.Equal("[-32768,32767]", data["i16"]);
        Assert.Equal("[9007199254740993]", data["i64"]);
        Assert.Equal("[1.5,-2]", data["h"]);
        Assert.Equal("[0.5]", data["bf"]);
        Assert.Equal("[0.25,\"NaN\"]", data["f"]);
        Assert.Equal("[\"-Infinity\"]", data["d"]);
        Assert.Equal(new Half[] { (Half)1.5f, (Half)(-2f) }, request.Inputs["h"].ToArray<Half>());
    }

    [Theory]
    [InlineData("INT8", "[128]", "an integer -128..127")]
    [InlineData("UINT8", "[-1]", "an integer 0..255")]
    [InlineData("BOOL", "[1]", "true or false")]
    [InlineData("INT32", "[1.5]", "an INT32")]
    public void Decode_ValueOutOfItsTypesRange_InvalidRequestNamingTheType(string datatype, string data, string expected)
    {
        var json = $$"""{"inputs":[{"name":"t","datatype":"{{datatype}}","shape":[1],"data":{{data}}}]}""";

        var error = Assert.Throws<InvalidPoolRequestException>(() => JsonTensorDecoder.Decode(Encoding.UTF8.GetBytes(json), json.Length, 1 << 20));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
