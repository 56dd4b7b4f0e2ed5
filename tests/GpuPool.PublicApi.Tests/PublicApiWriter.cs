using System.Reflection;
using System.Text;

namespace GpuPool.PublicApi.Tests;

/// <summary>Writes an assembly's public surface (types and their public and protected members) as sorted, stable text.</summary>
internal static class PublicApiWriter
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static string Write(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(Describe(type)).Append('\n');
            foreach (var member in Members(type))
            {
                text.Append("  ").Append(member).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Describe(Type type)
    {
        var kind = type switch
        {
            { IsEnum: true } => "enum",
            { IsInterface: true } => "interface",
            { IsValueType: true } => "struct",
            _ when typeof(Delegate).IsAssignableFrom(type) => "delegate",
            { IsAbstract: true, IsSealed: true } => "static class",
            { IsAbstract: true } => "abstract class",
            { IsSealed: true } => "sealed class",
            _ => "class",
        };
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
        {
            bases.Add(baseType.ToString());
        }

        bases.AddRange(type.GetInterfaces().Select(i => i.ToString()).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? $"{kind} {type.FullName}" : $"{kind} {type.FullName} : {string.Join(", ", bases)}";
    }

    private static IEnumerable<string> Members(Type type) => type.GetMembers(Declared)
        .Where(IsVisible)
        .Select(m => $"{Modifiers(m)}{m.MemberType.ToString().ToLowerInvariant()} {m}")
        .Order(StringComparer.Ordinal);

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase method => (method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly) && !method.IsSpecialName || method is ConstructorInfo { IsPublic: true } or ConstructorInfo { IsFamily: true },
        FieldInfo field => (field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly) && !field.IsSpecialName,
        PropertyInfo property => property.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo @event => @event.AddMethod is { } add && (add.IsPublic || add.IsFamily),
        Type nested => nested.IsNestedPublic || nested.IsNestedFamily,
        _ => false,
    };

    private static string Modifiers(MemberInfo member) => member switch
    {
        MethodBase { IsStatic: true } or FieldInfo { IsStatic: true } => "static ",
        PropertyInfo property when property.GetAccessors(nonPublic: true)[0].IsStatic => "static ",
        _ => "",
    };
}
