using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Serialization;
using Twa.Kubernetes.Watch;

namespace Twa.Kubernetes.Client;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// WATCH <typeparamref name="T"/> in <paramref name="ns"/> (all namespaces when null). Yields events until the server ends
    /// the stream (timeoutSeconds), the connection drops, or <see cref="WatchEventType.Expired"/> (410: re-list) ends it.
    /// The caller resumes from the last event's or bookmark's resourceVersion. Cancelling <paramref name="ct"/> closes the
    /// connection at once and throws <see cref="OperationCanceledException"/>. Other error responses throw <see cref="KubernetesApiException"/>;
    /// a transport failure before the stream starts throws <see cref="HttpRequestException"/>, one after it started just ends the stream.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns = null, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = ResourceDescriptor.For<T>();
        options ??= new WatchOptions();
        var path = r.CollectionPath(ns) + Query(
            ("watch", "1"),
            ("resourceVersion", options.ResourceVersion),
            ("allowWatchBookmarks", options.AllowBookmarks ? "true" : null),
            ("timeoutSeconds", options.TimeoutSeconds?.ToString(CultureInfo.InvariantCulture)),
            ("labelSelector", options.LabelSelector),
            ("fieldSelector", options.FieldSelector));
        var response = await _http.SendAsync(HttpMethod.Get, path, null, null, "watch", r.Plural, stream: true, ct).ConfigureAwait(false);
        if (IsGone(response.StatusCode))
        {
            using (response)
            {
                var status = KubernetesHttp.ParseStatus(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                yield return new WatchEvent<T>(WatchEventType.Expired, null, status);
                yield break;
            }
        }

        await KubernetesHttp.EnsureSuccessAsync(response, "GET", path, ct).ConfigureAwait(false);
        using (response)
        {
            using var closeOnCancel = ct.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (true)
            {
                var line = await ReadLineAsync(reader, ct).ConfigureAwait(false);
                if (line is null)
                {
                    yield break;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                var ev = ParseEvent<T>(line);
                yield return ev;
                if (ev.Type == WatchEventType.Expired)
                {
                    yield break;
                }
            }
        }
    }

    internal static WatchEvent<T> ParseEvent<T>(string line)
        where T : class, IKubernetesObject
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (!root.TryGetProperty("object", out var obj))
        {
            throw new JsonException($"Watch event without an object: {line}");
        }

        switch (type)
        {
            case "ADDED":
                return new(WatchEventType.Added, obj.Deserialize<T>(KubernetesJson.Options));
            case "MODIFIED":
                return new(WatchEventType.Modified, obj.Deserialize<T>(KubernetesJson.Options));
            case "DELETED":
                return new(WatchEventType.Deleted, obj.Deserialize<T>(KubernetesJson.Options));
            case "BOOKMARK":
                return new(WatchEventType.Bookmark, obj.Deserialize<T>(KubernetesJson.Options));
            case "ERROR":
                var status = obj.Deserialize<V1Status>(KubernetesJson.Options);
                return new(status?.Code == 410 ? WatchEventType.Expired : WatchEventType.Error, null, status);
            default:
                throw new JsonException($"Unknown watch event type '{type}'.");
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadLineAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is IOException or ObjectDisposedException or HttpRequestException)
        {
            throw new OperationCanceledException("The watch was cancelled.", e, ct);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return null; // connection dropped: end the stream; the caller re-watches from its last resourceVersion
        }
    }
}
