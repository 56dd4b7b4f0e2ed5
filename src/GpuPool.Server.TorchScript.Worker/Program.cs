using GpuPool.OnnxRuntime;
using GpuPool.TorchSharp;
using GpuPool.Worker;

// The default worker's ONNX backend plus TorchScript; libtorch loads with the first TorchScript model.
return WorkerProgram.Run([new OnnxModelBackend(), new TorchScriptModelBackend()]);
