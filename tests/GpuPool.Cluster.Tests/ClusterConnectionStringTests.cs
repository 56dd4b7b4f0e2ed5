using GpuPool.Cluster.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class ClusterConnectionStringTests(PostgresFixture postgres)
{
    [Fact]
    public void DataSource_ConnectionStringSetsNoneOfTheDefaults_PreparesStatementsKeepsSessionsAndTimesOutQuickly()
    {
        var settings = Resolve("Host=127.0.0.1;Port=5432;Username=pg;Database=pool;Maximum Pool Size=20");

        Assert.Equal(32, settings.MaxAutoPrepare);
        Assert.Equal(2, settings.AutoPrepareMinUsages);
        Assert.True(settings.NoResetOnClose);
        Assert.Equal(3, settings.Timeout);
        Assert.Equal(5, settings.CommandTimeout);
        Assert.Equal(20, settings.MaxPoolSize);
        Assert.Null(settings.Options);
    }

    [PostgresFact]
    public async Task DataSource_OpenedConnection_UsesGenericPlans()
    {
        Assert.Equal("force_generic_plan", await PlanCacheModeAsync(await postgres.Server.CreateDatabaseAsync()));
    }

    [PostgresFact]
    public async Task DataSource_OptionsChooseAPlanCacheMode_TheirsStands()
    {
        Assert.Equal("force_custom_plan", await PlanCacheModeAsync(await postgres.Server.CreateDatabaseAsync() + ";Options=-c plan_cache_mode=force_custom_plan"));
    }

    [Theory]
    [InlineData("Host=db;Username=pg;Max Auto Prepare=0;No Reset On Close=false;Timeout=15;Command Timeout=30;Auto Prepare Min Usages=5")]
    [InlineData("Host=db;Username=pg;maxautoprepare=0;noresetonclose=false;timeout=15;commandtimeout=30;autoprepareminusages=5")]
    public void DataSource_ConnectionStringSetsThem_TheOperatorsValuesStand(string connectionString)
    {
        var settings = Resolve(connectionString);

        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.Equal(5, settings.AutoPrepareMinUsages);
        Assert.False(settings.NoResetOnClose);
        Assert.Equal(15, settings.Timeout);
        Assert.Equal(30, settings.CommandTimeout);
    }

    private static async Task<string?> PlanCacheModeAsync(string connectionString)
    {
        await using var services = new ServiceCollection().AddLogging().AddGpuPoolCluster(Configuration(connectionString)).BuildServiceProvider();
        await using var command = services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SHOW plan_cache_mode");
        return (string?)await command.ExecuteScalarAsync();
    }

    private static NpgsqlConnectionStringBuilder Resolve(string connectionString)
    {
        var configuration = Configuration(connectionString);
        using var services = new ServiceCollection().AddLogging().AddGpuPoolCluster(configuration).BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(services.GetRequiredService<NpgsqlDataSource>().ConnectionString);
    }

    private static IConfiguration Configuration(string connectionString) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["GpuPool:Cluster:ConnectionString"] = connectionString,
        ["GpuPool:Cluster:AdvertisedAddress"] = "http://127.0.0.1:5000",
    }).Build();
}
