namespace InferenceService;

/// <summary>The answer of <c>POST /embed</c>: one embedding per input vector.</summary>
public sealed record EmbedResponse(float[][] Embeddings, string Pool);
