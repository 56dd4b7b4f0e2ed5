namespace GpuPool.Server.Inference;

/// <summary>A decoded HTTP inference request: its inputs, the outputs asked for, and which of them go back as binary.</summary>
internal sealed record JsonInferRequest(string Id, Dictionary<string, TensorValue> Inputs, IReadOnlyList<string> Outputs, IReadOnlySet<string> BinaryOutputs, bool AllBinary);
