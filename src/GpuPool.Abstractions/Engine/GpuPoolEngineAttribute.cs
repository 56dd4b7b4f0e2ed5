namespace GpuPool.Engine;

/// <summary>
/// Marks the assembly of an in-process engine and names its <see cref="IGpuPoolEngine"/> implementation
/// (a public or internal class with a parameterless constructor).
/// </summary>
/// <param name="engineType">The engine type.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class GpuPoolEngineAttribute(Type engineType) : Attribute
{
    /// <summary>The <see cref="IGpuPoolEngine"/> implementation.</summary>
    public Type EngineType { get; } = engineType ?? throw new ArgumentNullException(nameof(engineType));
}
