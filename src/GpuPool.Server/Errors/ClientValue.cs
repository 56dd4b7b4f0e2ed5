namespace GpuPool.Server.Errors;

/// <summary>
/// A value a client chose, as a log parameter: it formats through <see cref="ClientText.Scrub(string?)"/>,
/// so the scrubbing happens only when the entry is written and a log method that takes one cannot be
/// handed the raw text by mistake.
/// </summary>
internal readonly struct ClientValue(string? value) : IEquatable<ClientValue>
{
    public override string ToString() => ClientText.Scrub(value);

    public bool Equals(ClientValue other) => string.Equals(value, other.ToRaw(), StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is ClientValue other && Equals(other);

    public override int GetHashCode() => value?.GetHashCode(StringComparison.Ordinal) ?? 0;

    private string? ToRaw() => value;
}
