using GpuPool.Worker;

return WorkerProgram.Run([new GpuPool.OnnxRuntime.OnnxModelBackend()]);
