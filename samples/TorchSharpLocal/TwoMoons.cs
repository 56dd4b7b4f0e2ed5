using TorchSharp;

namespace TorchSharpLocal;

/// <summary>The two-moons toy data set: two interleaving half circles with noise, labelled 0 and 1.</summary>
internal static class TwoMoons
{
    public static (torch.Tensor X, torch.Tensor Y) Create(int count, int seed, torch.Device device)
    {
        var random = new Random(seed);
        var points = new float[count * 2];
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % 2;
            var t = random.NextDouble() * Math.PI;
            var (x, y) = label == 0 ? (Math.Cos(t), Math.Sin(t)) : (1 - Math.Cos(t), 0.5 - Math.Sin(t));
            points[2 * i] = (float)(x + (Noise(random) * 0.2));
            points[(2 * i) + 1] = (float)(y + (Noise(random) * 0.2));
            labels[i] = label;
        }

        return (torch.tensor(points, [count, 2]).to(device), torch.tensor(labels).to(device));
    }

    private static double Noise(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
