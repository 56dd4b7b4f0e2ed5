using GpuPool.Server.Errors;

namespace GpuPool.Server.HostileTests.Security;

/// <summary>The one scrubber of client text in logs and error messages.</summary>
public sealed class ClientTextTests
{
    [Theory]
    [InlineData("ls_1\nINFO forged", "ls_1\\u000aINFO forged")]
    [InlineData("ls_1\r\0", "ls_1\\u000d\\u0000")]
    [InlineData("a\u202Eb\u2028c", "a\\u202eb\\u2028c")]
    [InlineData("model \U0001F600 ok", "model \U0001F600 ok")]
    [InlineData("plain-id_123", "plain-id_123")]
    public void Scrub_UnsafeCharacters_AreEscaped(string value, string expected) =>
        Assert.Equal(expected, ClientText.Scrub(value));

    [Fact]
    public void Scrub_LoneSurrogate_IsEscaped() =>
        Assert.Equal("lone \\ud800 surrogate", ClientText.Scrub("lone " + (char)0xD800 + " surrogate"));

    [Fact]
    public void Scrub_LongValue_IsCutAndSaysHowLongItWas()
    {
        var scrubbed = ClientText.Scrub(new string('x', 5_000_000));

        Assert.Equal(new string('x', ClientText.MaxValueLength) + "…(5000000 chars)", scrubbed);
    }
}
