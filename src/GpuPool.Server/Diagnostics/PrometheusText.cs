using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace GpuPool.Server.Diagnostics;

/// <summary>
/// GpuPool's meters (runtime and server) in the Prometheus text format (version 0.0.4), aggregated with a
/// <see cref="MeterListener"/> since start-up: counters as <c>_total</c>, up-down counters and observable
/// gauges as gauges, histograms with fixed second buckets. Only meters of this server's
/// <see cref="IMeterFactory"/> are included, so several servers in one process do not mix.
/// </summary>
internal sealed class PrometheusText : IDisposable
{
    /// <summary>The content type of the scrape response.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly Lock _lock = new();
    private readonly Dictionary<Instrument, Dictionary<string, Series>> _series = [];
    private readonly MeterListener _listener = new();

    public PrometheusText(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Meter.Name.StartsWith("GpuPool.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Writes every series (observable instruments are read now).</summary>
    public string Scrape()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        lock (_lock)
        {
            foreach (var (instrument, series) in _series.OrderBy(e => e.Key.Name, StringComparer.Ordinal))
            {
                var kind = KindOf(instrument);
                var name = NameOf(instrument, kind);
                text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description ?? instrument.Name).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
                foreach (var (labels, value) in series.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    if (kind == "histogram")
                    {
                        WriteHistogram(text, name, labels, value);
                    }
                    else
                    {
                        text.Append(name).Append(Braces(labels)).Append(' ').Append(Number(value.Value)).Append('\n');
                    }
                }
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_lock)
        {
            if (!_series.TryGetValue(instrument, out var series))
            {
                _series[instrument] = series = new Dictionary<string, Series>(StringComparer.Ordinal);
            }

            if (!series.TryGetValue(labels, out var entry))
            {
                series[labels] = entry = new Series();
            }

            switch (instrument)
            {
                case Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float>:
                    entry.Count++;
                    entry.Sum += value;
                    var bucket = Array.FindIndex(Buckets, b => value <= b);
                    entry.Buckets[bucket < 0 ? Buckets.Length : bucket]++;
                    break;
                case Counter<long> or Counter<int> or Counter<double> or Counter<float>
                    or UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> or UpDownCounter<float>:
                    entry.Value += value;
                    break;
                default:
                    entry.Value = value; // observable instruments report their current (or cumulative) value
                    break;
            }
        }
    }

    private static string KindOf(Instrument instrument) => instrument switch
    {
        Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float> => "histogram",
        Counter<long> or Counter<int> or Counter<double> or Counter<float> => "counter",
        ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> or ObservableCounter<float> => "counter",
        _ => "gauge",
    };

    /// <summary>gpupool.server.request.duration (s) → gpupool_server_request_duration_seconds; counters end in _total.</summary>
    private static string NameOf(Instrument instrument, string kind)
    {
        var name = Sanitize(instrument.Name);
        var suffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => "",
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        return kind == "counter" ? name + "_total" : name;
    }

    private static void WriteHistogram(StringBuilder text, string name, string labels, Series value)
    {
        long cumulative = 0;
        for (var i = 0; i <= Buckets.Length; i++)
        {
            cumulative += value.Buckets[i];
            var le = i < Buckets.Length ? Number(Buckets[i]) : "+Inf";
            var withLe = labels.Length == 0 ? $"le=\"{le}\"" : $"{labels},le=\"{le}\"";
            text.Append(name).Append("_bucket{").Append(withLe).Append("} ").Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Number(value.Sum)).Append('\n');
        text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(value.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            pairs.Add($"{Sanitize(key)}=\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

    private static string Sanitize(string name) => string.Create(name.Length, name, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            span[i] = char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_';
        }
    });

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Series
    {
        public double Value { get; set; }

        public double Sum { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[PrometheusText.Buckets.Length + 1];
    }
}
