using System.Diagnostics.Metrics;
using Twa.Kubernetes.Client;

namespace Twa.Kubernetes.Tests.Client;

public sealed class MetricsTests
{
    [Fact]
    public void Snapshot_RecordedRequests_CountedPerVerbResourceAndCode()
    {
        using var metrics = new KubernetesRequestMetrics();
        metrics.Record("get", "pods", 200);
        metrics.Record("get", "pods", 200);
        metrics.Record("get", "pods", 404);
        metrics.Record("update", "twajobs/status", 409);

        Assert.Equal(
            [new("get", "pods", 200, 2), new("get", "pods", 404, 1), new("update", "twajobs/status", 409, 1)],
            metrics.Snapshot());
        Assert.Equal(3, metrics.Total("get", "pods"));
    }

    [Fact]
    public void ObservableCounter_MeterListener_SeesTaggedCounts()
    {
        using var metrics = new KubernetesRequestMetrics();
        metrics.Record("patch", "services", 201);
        var seen = new List<(long Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KubernetesRequestMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            seen.Add((value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        listener.Start();

        listener.RecordObservableInstruments();

        Assert.Contains((1L, "verb=patch,resource=services,code=201"), seen);
    }
}
