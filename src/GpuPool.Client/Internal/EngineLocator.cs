using System.Reflection;
using GpuPool.Engine;

namespace GpuPool.Internal;

/// <summary>
/// Finds the in-process engine when the application ships it. The engine assembly is looked up by name
/// rather than referenced, so that the remote client carries none of it: an application built on
/// <c>GpuPool.Client</c> alone has no <c>GpuPool.Runtime.dll</c> and gets no engine.
/// </summary>
internal static class EngineLocator
{
    /// <summary>The name of the assembly that holds the default engine.</summary>
    public const string EngineAssembly = "GpuPool.Runtime";

    private static readonly Lazy<IGpuPoolEngine?> Found = new(Find);

    /// <summary>The engine, or <see langword="null"/> when the application does not ship one.</summary>
    public static IGpuPoolEngine? Engine => Found.Value;

    private static IGpuPoolEngine? Find()
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(EngineAssembly));
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var type = assembly.GetCustomAttribute<GpuPoolEngineAttribute>()?.EngineType;
        return type is null ? null : (IGpuPoolEngine)Activator.CreateInstance(type, nonPublic: true)!;
    }
}
