using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Configuration;

/// <summary>
/// Validates the data-annotation attributes of an options object and of every nested options object and
/// list item (<c>Nvidia</c>, <c>Persistence</c>, <c>SimulatedDevices:0</c>, …), reporting every problem at
/// once under its configuration key, e.g. <c>GpuPool:Runtime:Nvidia:TelemetryInterval</c>.
/// </summary>
internal sealed class SectionValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    private const int MaxDepth = 8;

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateObject(options, section, errors, depth: 0);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateObject(object instance, string path, List<string> errors, int depth)
    {
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!IsSetting(property))
            {
                continue;
            }

            var value = property.GetValue(instance);
            var key = path + ":" + property.Name;
            var results = new List<ValidationResult>();
            var context = new ValidationContext(instance) { MemberName = property.Name, DisplayName = key };
            if (!Validator.TryValidateProperty(value, context, results))
            {
                errors.AddRange(results.Select(r => $"{key} = '{Format(value)}': {r.ErrorMessage}"));
            }

            if (value is null || depth >= MaxDepth)
            {
                continue;
            }

            if (IsOptions(property.PropertyType))
            {
                ValidateObject(value, key, errors, depth + 1);
            }
            else if (value is IEnumerable items and not string)
            {
                var index = 0;
                foreach (var item in items)
                {
                    if (item is not null && IsOptions(item.GetType()))
                    {
                        ValidateObject(item, key + ":" + index.ToString(CultureInfo.InvariantCulture), errors, depth + 1);
                    }

                    index++;
                }
            }
        }
    }

    // Settings are what configuration can bind: settable properties and get-only collections; computed properties are not.
    private static bool IsSetting(PropertyInfo property) =>
        property.CanRead
        && property.GetIndexParameters().Length == 0
        && (property.SetMethod?.IsPublic == true || (typeof(IEnumerable).IsAssignableFrom(property.PropertyType) && property.PropertyType != typeof(string)));

    // Nested settings are the engine's own option classes; framework types (TimeSpan, strings, lists) are leaves.
    private static bool IsOptions(Type type) =>
        type.IsClass && type.Namespace?.StartsWith("GpuPool", StringComparison.Ordinal) == true;

    private static string Format(object? value) => value switch
    {
        null => "",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
