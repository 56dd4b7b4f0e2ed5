using GpuPool.Worker;

if (OperatingSystem.IsLinux())
{
    _ = NativeMethods.SetSid();
}

// The runtime writes requests to stdin and reads replies from stdout; anything else goes to stderr.
var output = Console.OpenStandardOutput();
Console.SetOut(Console.Error);
using var input = Console.OpenStandardInput();
using var host = new WorkerHost([new GpuPool.OnnxRuntime.OnnxModelBackend()]);
return host.Serve(input, output);
