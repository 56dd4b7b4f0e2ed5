namespace GpuPool.Cluster.Tests;

public sealed class ClusterOptionsValidatorTests
{
    private static ClusterOptions Valid() => new() { ConnectionString = "Host=db;Database=pool", NodeId = "n1", AdvertisedAddress = "http://n1:5000" };

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new ClusterOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Fact]
    public void Validate_EndedLeaseRetentionShorterThanTheGrace_FailsNamingBoth()
    {
        var options = Valid();
        options.EndedLeaseRetention = TimeSpan.FromSeconds(5);

        var result = new ClusterOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var error = Assert.Single(result.Failures!);
        Assert.Contains("GpuPool:Cluster:EndedLeaseRetention (00:00:05)", error, StringComparison.Ordinal);
        Assert.Contains("Grace (00:00:10)", error, StringComparison.Ordinal);
    }
}
