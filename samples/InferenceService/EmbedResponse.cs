namespace InferenceService;

/// <summary>The answer of <c>POST /embed</c>: one normalised embedding per text, and which pool computed it.</summary>
public sealed record EmbedResponse(float[][] Embeddings, int Dimensions, string Pool);
