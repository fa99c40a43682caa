using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Twa.Kubernetes.Client;

namespace Twa.Kubernetes.Testing;

/// <summary>
/// Maps Kubernetes REST paths and verbs to the store: <c>/api/v1[/namespaces/NS]/PLURAL[/NAME[/status|/scale]]</c> and
/// <c>/apis/GROUP/VERSION/...</c>; GET (get, list, watch), POST, PUT, PATCH, DELETE. Errors are metav1.Status bodies.
/// </summary>
internal sealed class ApiRouter(ObjectStore store, FakeApiServerOptions options, KubernetesRequestMetrics requests, Action<HttpRequest> observe)
{
    private readonly List<FaultRule> _faults = [];
    private readonly Lock _faultGate = new();

    public void AddFault(FaultRule rule)
    {
        lock (_faultGate)
        {
            _faults.Add(rule);
        }
    }

    public async Task HandleAsync(HttpContext ctx)
    {
        observe(ctx.Request);
        var verb = "unknown";
        var resourceName = "unknown";
        try
        {
            if (ctx.Request.Method == "GET" && Discovery.For(ctx.Request.Path.Value ?? "/", store.Registered()) is { } document)
            {
                requests.Record("get", "discovery", 200);
                await WriteAsync(ctx, 200, document).ConfigureAwait(false);
                return;
            }

            var route = Parse(ctx.Request.Path.Value ?? "/");
            var q = ctx.Request.Query;
            var isWatch = q["watch"] is { Count: > 0 } w && (w[0] is "1" or "true");
            verb = (ctx.Request.Method, route.Name is null, isWatch) switch
            {
                ("GET", true, true) => "watch",
                ("GET", true, false) => "list",
                ("GET", false, _) => "get",
                ("POST", _, _) => "create",
                ("PUT", _, _) => "update",
                ("PATCH", _, _) => "patch",
                ("DELETE", _, _) => "delete",
                _ => "unknown",
            };
            resourceName = route.Subresource is null ? route.Plural : $"{route.Plural}/{route.Subresource}";
            var fault = TakeFault(verb, resourceName);
            if (fault?.Delay is { } delay)
            {
                await Task.Delay(delay, ctx.RequestAborted).ConfigureAwait(false);
            }

            if (fault is { StatusCode: > 0 })
            {
                if (fault.RetryAfter is { } after)
                {
                    ctx.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                var reason = fault.StatusCode == 429 ? "TooManyRequests" : fault.StatusCode >= 500 ? "InternalError" : "BadRequest";
                throw new ApiError(fault.StatusCode, reason, $"injected failure {fault.StatusCode} for {verb} {resourceName}");
            }

            var r = store.Resolve(route.Group, route.Version, route.Plural)
                ?? throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({route.Plural}.{route.Group}/{route.Version} is not registered)");
            if (r.Descriptor.Namespaced && route.Name is not null && route.Namespace is null)
            {
                throw new ApiError(404, "NotFound", $"{r.Plural} are namespaced: the URL needs /namespaces/NAMESPACE/");
            }

            var ns = r.Descriptor.Namespaced ? route.Namespace : null;
            if (verb == "watch")
            {
                requests.Record(verb, resourceName, 200);
                await WatchAsync(ctx, r, ns).ConfigureAwait(false);
                return;
            }

            var (code, body) = await DispatchAsync(ctx, verb, r, ns, route).ConfigureAwait(false);
            requests.Record(verb, resourceName, code);
            await WriteAsync(ctx, code, body).ConfigureAwait(false);
        }
        catch (ApiError e)
        {
            requests.Record(verb, resourceName, e.Code);
            await WriteAsync(ctx, e.Code, e.ToStatus()).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // the client gave up (e.g. during an injected delay)
        }
    }

    private async Task<(int Code, JsonObject Body)> DispatchAsync(HttpContext ctx, string verb, StoredResource r, string? ns, Route route)
    {
        var name = route.Name;
        var sub = route.Subresource;
        if (sub is not null && !(sub == "status" && r.Options.StatusSubresource) && !(sub == "scale" && r.Options.Scale is not null))
        {
            throw new ApiError(404, "NotFound", $"{r.Plural} has no '{sub}' subresource");
        }

        var q = ctx.Request.Query;
        switch (verb)
        {
            case "list":
                var limit = int.TryParse(q["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : (int?)null;
                return (200, store.List(r, ns, LabelSelector.Parse(q["labelSelector"]), FieldSelector.Parse(q["fieldSelector"]), limit, NullIfEmpty(q["continue"])));
            case "get" when sub == "scale":
                return (200, store.GetScale(r, ns, name!));
            case "get":
                return (200, store.Get(r, ns, name!));
            case "create" when name is null:
                return (201, store.Create(r, ns, ObjectStore.ParseObject(await ReadBodyAsync(ctx).ConfigureAwait(false))));
            case "update" when sub == "scale":
                return (200, store.UpdateScale(r, ns, name!, await ReadBodyAsync(ctx).ConfigureAwait(false), null));
            case "update" when name is not null:
                return (200, store.Update(r, ns, name, ObjectStore.ParseObject(await ReadBodyAsync(ctx).ConfigureAwait(false)), sub == "status"));
            case "patch" when sub == "scale":
                return (200, store.UpdateScale(r, ns, name!, await ReadBodyAsync(ctx).ConfigureAwait(false), ctx.Request.ContentType ?? ""));
            case "patch" when name is not null:
                var existed = store.TryGet(r, ns, name) is not null;
                var patched = store.Patch(r, ns, name, ctx.Request.ContentType ?? "", await ReadBodyAsync(ctx).ConfigureAwait(false), NullIfEmpty(q["fieldManager"]), sub == "status");
                return (existed ? 200 : 201, patched);
            case "delete" when name is not null:
                var text = await ReadBodyAsync(ctx).ConfigureAwait(false);
                var deleteOptions = string.IsNullOrWhiteSpace(text) ? null : ObjectStore.ParseObject(text);
                if (NullIfEmpty(q["propagationPolicy"]) is { } policy)
                {
                    deleteOptions ??= [];
                    deleteOptions["propagationPolicy"] = policy;
                }

                return (200, store.Delete(r, ns, name, deleteOptions));
            default:
                throw new ApiError(405, "MethodNotAllowed", $"{ctx.Request.Method} is not supported on {ctx.Request.Path}");
        }
    }

    private async Task WatchAsync(HttpContext ctx, StoredResource r, string? ns)
    {
        var q = ctx.Request.Query;
        var bookmarks = q["allowWatchBookmarks"] is { Count: > 0 } b && b[0] is "true" or "1";
        var timeout = int.TryParse(q["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0
            ? TimeSpan.FromSeconds(t)
            : options.DefaultWatchTimeout;
        var labels = LabelSelector.Parse(q["labelSelector"]);
        var fields = FieldSelector.Parse(q["fieldSelector"]);
        Watcher watcher;
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        lock (store.Gate)
        {
            try
            {
                watcher = store.Watches.Open(r, ns, labels, fields, bookmarks, NullIfEmpty(q["resourceVersion"]));
            }
            catch (ApiError e) when (e.Code == 410)
            {
                watcher = null!;
            }
        }

        if (watcher is null)
        {
            // The real server answers a too-old resourceVersion with 200 and a single ERROR event carrying a 410 Status.
            var status = new ApiError(410, "Expired", $"too old resource version: {q["resourceVersion"]} ({store.Watches.CompactedRevision})").ToStatus();
            await WriteLineAsync(ctx, new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString()).ConfigureAwait(false);
            return;
        }

        using (watcher)
        {
            await StreamAsync(ctx, watcher, timeout).ConfigureAwait(false);
        }
    }

    private async Task StreamAsync(HttpContext ctx, Watcher watcher, TimeSpan timeout)
    {
        var aborted = ctx.RequestAborted;
        var started = DateTime.UtcNow;
        var deadline = started + timeout;
        var nextBookmark = started + options.BookmarkInterval;
        var reader = watcher.Lines.Reader;
        try
        {
            while (true)
            {
                while (reader.TryRead(out var line))
                {
                    await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), aborted).ConfigureAwait(false);
                }

                await ctx.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                if (watcher.Killed.IsCancellationRequested)
                {
                    ctx.Abort();
                    return;
                }

                var now = DateTime.UtcNow;
                if (now >= deadline)
                {
                    lock (store.Gate)
                    {
                        if (watcher.Bookmarks)
                        {
                            WatchHub.Bookmark(watcher, store.Revision);
                        }

                        store.Watches.Close(watcher);
                    }

                    while (reader.TryRead(out var line))
                    {
                        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), aborted).ConfigureAwait(false);
                    }

                    return;
                }

                if (watcher.Bookmarks && now >= nextBookmark)
                {
                    lock (store.Gate)
                    {
                        WatchHub.Bookmark(watcher, store.Revision);
                    }

                    nextBookmark = now + options.BookmarkInterval;
                    continue;
                }

                var wake = watcher.Bookmarks && nextBookmark < deadline ? nextBookmark : deadline;
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted, watcher.Killed.Token);
                wait.CancelAfter(wake - now);
                try
                {
                    await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    // a bookmark or the timeout is due, or the watch was killed: the loop decides
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the client went away
        }
        finally
        {
            lock (store.Gate)
            {
                store.Watches.Close(watcher);
            }
        }
    }

    private FaultRule? TakeFault(string verb, string resource)
    {
        lock (_faultGate)
        {
            var rule = _faults.FirstOrDefault(f => f.Matches(verb, resource));
            if (rule is not null)
            {
                rule.Remaining--;
            }

            return rule;
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext ctx, int code, JsonObject body)
    {
        if (ctx.Response.HasStarted)
        {
            return;
        }

        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteLineAsync(HttpContext ctx, string line)
    {
        await ctx.Response.WriteAsync(line + "\n", ctx.RequestAborted).ConfigureAwait(false);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static Route Parse(string path)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        int rest;
        string group, version;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            (group, version, rest) = ("", parts[1], 2);
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            (group, version, rest) = (parts[1], parts[2], 3);
        }
        else
        {
            throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({path})");
        }

        string? ns = null;
        if (parts.Length - rest >= 3 && parts[rest] == "namespaces")
        {
            ns = parts[rest + 1];
            rest += 2;
        }

        var tail = parts[rest..];
        return tail.Length is >= 1 and <= 3
            ? new Route(group, version, ns, tail[0], tail.Length > 1 ? tail[1] : null, tail.Length > 2 ? tail[2] : null)
            : throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({path})");
    }

    private sealed record Route(string Group, string Version, string? Namespace, string Plural, string? Name, string? Subresource);
}
