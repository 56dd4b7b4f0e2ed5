using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace GpuPool.Internal;

/// <summary>Binds options from a configuration section when the container has an <see cref="IConfiguration"/>; does nothing otherwise.</summary>
internal abstract class ConfigureFromConfiguration<TOptions>(string section, IServiceProvider services) : IConfigureOptions<TOptions>
    where TOptions : class
{
    public void Configure(TOptions options)
    {
        if (services.GetService(typeof(IConfiguration)) is IConfiguration configuration)
        {
            configuration.GetSection(section).Bind(options);
        }
    }
}
