namespace GpuPool.Cublas;

/// <summary>A cuBLAS call failed.</summary>
public sealed class CublasException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CublasException()
        : this("cuBLAS call failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public CublasException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CublasException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed call.</summary>
    public CublasException(string function, int status)
        : base($"{function} failed with cuBLAS status {status} ({Describe(status)}).")
    {
        Function = function;
        Status = status;
    }

    /// <summary>The function that failed.</summary>
    public string? Function { get; }

    /// <summary>The <c>cublasStatus_t</c>.</summary>
    public int Status { get; }

    private static string Describe(int status) => status switch
    {
        1 => "not initialized",
        3 => "allocation failed",
        7 => "invalid value",
        8 => "architecture mismatch",
        11 => "mapping error",
        13 => "execution failed",
        14 => "internal error",
        15 => "not supported",
        _ => "unknown",
    };
}
