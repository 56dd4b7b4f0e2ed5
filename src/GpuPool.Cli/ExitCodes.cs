namespace GpuPool.Cli;

/// <summary>
/// The exit codes of <c>gpupool</c> (docs/cli.md). <c>run</c> returns the program's own code when it exits by itself
/// (128 + the signal when a signal ended it); the codes below then say what went wrong around it.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>Any other failure.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line, option value or settings.</summary>
    public const int Usage = 2;

    /// <summary>The server cannot be reached or is not ready.</summary>
    public const int Unavailable = 3;

    /// <summary>No key, an unknown key, or a key without the admin role for an admin verb.</summary>
    public const int AccessDenied = 4;

    /// <summary>No slice was granted: no capacity within the wait, quota exceeded, or the request can never fit.</summary>
    public const int NotGranted = 5;

    /// <summary>The lease or device named does not exist.</summary>
    public const int NotFound = 6;

    /// <summary><c>run</c>: the lease was lost (revoked, expired, server gone) and the program was stopped.</summary>
    public const int LeaseLost = 124;

    /// <summary><c>run</c>: the program exists but could not be started.</summary>
    public const int CannotExecute = 126;

    /// <summary><c>run</c>: the program was not found.</summary>
    public const int CommandNotFound = 127;
}
