return await GpuPool.VendorCheck.VendorCheck.RunAsync(args, Console.Out);
