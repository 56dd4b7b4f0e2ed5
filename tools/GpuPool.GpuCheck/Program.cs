using GpuPool.GpuCheck;

// The GPU check: prints gpu-inventory, gpu-isolation and gpu-memory JSON lines (see docs/gpu.md).
// Exit code: 0 all targets met, 1 a target missed or a check failed, 2 no NVIDIA device, 64 bad arguments.
CheckSettings settings;
try
{
    settings = CheckSettings.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
    return 64;
}

await using var services = CheckHost.Build(settings);
var device = InventoryCheck.Run(services);
if (device is null)
{
    JsonLine.Write(w => { w.WriteString("bench", "gpu-isolation"); w.WriteString("skipped", "no NVIDIA device"); });
    JsonLine.Write(w => { w.WriteString("bench", "gpu-memory"); w.WriteString("skipped", "no NVIDIA device"); });
    return 2;
}

var ok = true;
foreach (var (name, check) in new (string, Func<Task<bool>>)[]
{
    ("gpu-isolation", () => IsolationCheck.RunAsync(services, settings)),
    ("gpu-memory", () => MemoryCheck.RunAsync(services, device, settings)),
})
{
    try
    {
        ok &= await check().ConfigureAwait(false);
    }
    catch (Exception ex)
    {
        ok = false;
        JsonLine.Write(w => { w.WriteString("bench", name); w.WriteString("error", ex.ToString()); });
    }
}

return ok ? 0 : 1;
