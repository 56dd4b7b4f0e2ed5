using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Configuration;

/// <summary>Binds options from one configuration section when the container has an <see cref="IConfiguration"/>; does nothing otherwise.</summary>
internal sealed class SectionBinder<TOptions>(string section, IServiceProvider services) : IConfigureOptions<TOptions>
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
