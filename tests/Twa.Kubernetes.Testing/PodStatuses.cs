using System.Globalization;
using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>Merge-patch bodies a kubelet (simulator) sends for a pod with one container: running (with the startup
/// probe's <c>started</c> and the readiness probe's Ready) or terminated (exit code, reason, termination message).
/// Thread-safe (no state).</summary>
public static class PodStatuses
{
    /// <summary><c>{"status": …}</c> of a Running pod.</summary>
    public static JsonObject Running(string container, bool started, bool ready, string? podIp = null)
    {
        var now = Now();
        var status = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False", ["lastTransitionTime"] = now }),
            ["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = container,
                ["ready"] = ready,
                ["started"] = started,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
            }),
        };
        if (podIp is not null)
        {
            status["podIP"] = podIp;
        }

        return new JsonObject { ["status"] = status };
    }

    /// <summary><c>{"status": …}</c> of a pod whose container exited with <paramref name="exitCode"/>
    /// (Succeeded for 0, else Failed).</summary>
    public static JsonObject Terminated(string container, int exitCode, string? message)
    {
        var now = Now();
        return new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["phase"] = exitCode == 0 ? "Succeeded" : "Failed",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "False", ["lastTransitionTime"] = now }),
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = container,
                    ["ready"] = false,
                    ["started"] = false,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject
                    {
                        ["terminated"] = new JsonObject
                        {
                            ["exitCode"] = exitCode,
                            ["reason"] = exitCode == 0 ? "Completed" : "Error",
                            ["message"] = message,
                            ["finishedAt"] = now,
                        },
                    },
                }),
            },
        };
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
