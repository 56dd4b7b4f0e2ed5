namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>An NVML call failed.</summary>
internal sealed class NvmlException : Exception
{
    /// <summary>NVML_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>NVML_ERROR_NOT_SUPPORTED.</summary>
    public const int NotSupported = 3;

    /// <summary>NVML_ERROR_NO_PERMISSION.</summary>
    public const int NoPermission = 4;

    /// <summary>NVML_ERROR_NOT_FOUND.</summary>
    public const int NotFound = 6;

    /// <summary>NVML_ERROR_INSUFFICIENT_SIZE.</summary>
    public const int InsufficientSize = 7;

    /// <summary>Creates the exception.</summary>
    public NvmlException()
        : this("NVML call failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public NvmlException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NvmlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed call.</summary>
    public NvmlException(string function, int code)
        : base($"{function} failed with NVML error {code} ({Describe(code)}).")
    {
        Function = function;
        Code = code;
    }

    /// <summary>The NVML function that failed.</summary>
    public string? Function { get; }

    /// <summary>NVML's return code.</summary>
    public int Code { get; }

    /// <summary>A short name for an NVML return code.</summary>
    public static string Describe(int code) => code switch
    {
        0 => "success",
        1 => "uninitialized",
        2 => "invalid argument",
        3 => "not supported",
        4 => "no permission",
        6 => "not found",
        7 => "insufficient size",
        9 => "driver not loaded",
        12 => "library not found",
        13 => "function not found",
        15 => "GPU is lost",
        _ => "unknown",
    };
}
