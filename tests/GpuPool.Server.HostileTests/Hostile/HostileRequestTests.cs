using GpuPool.Server.HostileTests.Infrastructure;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>Every hostile request gets its expected status code, and the server keeps serving.</summary>
public sealed class HostileRequestTests(HostileContext context) : IClassFixture<HostileContext>
{
    public static TheoryData<string> Names() => [.. HostileCases.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Send_HostileRequest_GetsExpectedStatus(string name)
    {
        var hostile = HostileCases.Find(name);

        var status = await hostile.Send(context);

        Assert.True(status == hostile.Expected, $"{name}: expected {hostile.Expected}, got {status}.");
        var control = await context.LeaseAsync(TestKeys.Alpha);
        Assert.False(string.IsNullOrEmpty(control.Id));
    }

    [Fact]
    public void Catalogue_HasAtLeastFortyDistinctCases()
    {
        Assert.True(HostileCases.All.Count >= 40, $"only {HostileCases.All.Count} cases");
        Assert.Equal(HostileCases.All.Count, HostileCases.All.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
    }
}
