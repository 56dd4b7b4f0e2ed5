namespace GpuPool.TorchSharp.Internal;

/// <summary>Reads the signature of a class's forward() from the Python source TorchScript archives carry.</summary>
internal static class TorchScriptSource
{
    /// <summary>The signature of <c>forward</c> in class <paramref name="className"/>; null when not found.</summary>
    public static ForwardSignature? Forward(string source, string className)
    {
        var classStart = source.IndexOf("class " + className + "(", StringComparison.Ordinal);
        if (classStart < 0)
        {
            return null;
        }

        var nextClass = source.IndexOf("\nclass ", classStart + 1, StringComparison.Ordinal);
        var body = nextClass < 0 ? source[classStart..] : source[classStart..nextClass];
        var def = body.IndexOf("def forward(", StringComparison.Ordinal);
        if (def < 0)
        {
            return null;
        }

        var open = def + "def forward(".Length;
        var depth = 0;
        var parameters = new List<string>();
        var start = open;
        for (var i = open; i < body.Length; i++)
        {
            var c = body[i];
            if (c is '[' or '(')
            {
                depth++;
            }
            else if (c is ']' || (c == ')' && depth > 0))
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                parameters.Add(NameOf(body[start..i]));
                start = i + 1;
            }
            else if (c == ')')
            {
                var last = NameOf(body[start..i]);
                if (last.Length > 0)
                {
                    parameters.Add(last);
                }

                return parameters.Count > 0 && parameters[0] == "self"
                    ? new ForwardSignature([.. parameters.Skip(1)], ReturnType(body, i + 1))
                    : null;
            }
        }

        return null;
    }

    private static string? ReturnType(string body, int afterParameters)
    {
        var lineEnd = body.IndexOf('\n', afterParameters);
        var rest = (lineEnd < 0 ? body[afterParameters..] : body[afterParameters..lineEnd]).Trim();
        return rest.StartsWith("->", StringComparison.Ordinal) && rest.EndsWith(':') ? rest[2..^1].Trim() : null;
    }

    private static string NameOf(string parameter)
    {
        var colon = parameter.IndexOf(':', StringComparison.Ordinal);
        var equals = parameter.IndexOf('=', StringComparison.Ordinal);
        var end = colon >= 0 ? colon : equals >= 0 ? equals : parameter.Length;
        return parameter[..end].Trim();
    }
}
