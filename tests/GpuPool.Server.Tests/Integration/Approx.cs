namespace GpuPool.Server.Tests.Integration;

/// <summary>Compares model outputs with the plain-C# reference (summation order differs: float rounding).</summary>
internal static class Approx
{
    public static void Equal(float[] expected, float[] actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1f, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
