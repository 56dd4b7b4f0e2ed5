namespace GpuPool.Internal;

/// <summary>Binds <see cref="GpuPoolOptions"/> from <c>GpuPool</c>.</summary>
internal sealed class GpuPoolOptionsSetup(IServiceProvider services)
    : ConfigureFromConfiguration<GpuPoolOptions>(GpuPoolOptions.SectionName, services);
