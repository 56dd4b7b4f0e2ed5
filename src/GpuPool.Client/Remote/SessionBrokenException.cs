namespace GpuPool.Remote;

/// <summary>The session stream is down or broke before a reply; the caller falls back to a unary call.</summary>
internal sealed class SessionBrokenException(Exception? inner = null) : Exception("The session stream to the pool server is not connected.", inner);
