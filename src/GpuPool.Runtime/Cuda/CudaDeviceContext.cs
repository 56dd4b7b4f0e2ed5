namespace GpuPool.Runtime.Cuda;

/// <summary>A pool device opened in CUDA: its <c>CUdevice</c> and retained primary context.</summary>
internal sealed class CudaDeviceContext
{
    internal CudaDeviceContext(ICudaDriver driver, DeviceDescriptor descriptor, int cudaDevice, nint context)
    {
        Driver = driver;
        Descriptor = descriptor;
        CudaDevice = cudaDevice;
        Context = context;
    }

    /// <summary>The pool's device.</summary>
    public DeviceDescriptor Descriptor { get; }

    /// <summary>The <c>CUdevice</c>.</summary>
    public int CudaDevice { get; }

    /// <summary>The device's primary context (shared with every other CUDA user in this process, ONNX Runtime included).</summary>
    public nint Context { get; }

    /// <summary>The driver binding.</summary>
    public ICudaDriver Driver { get; }

    /// <summary>Makes the primary context current on the calling thread.</summary>
    public void MakeCurrent() => Driver.SetCurrentContext(Context);

    /// <summary>Free and total memory of the device now.</summary>
    public CudaMemoryInfo GetMemoryInfo()
    {
        MakeCurrent();
        return Driver.GetMemoryInfo();
    }
}
