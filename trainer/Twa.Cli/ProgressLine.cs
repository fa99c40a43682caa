using System.Diagnostics;

namespace Twa.Cli;

/// <summary>A progress bar redrawn in place on stderr when it is a terminal (at most 10 times a second); log lines
/// clear it first. When stderr is redirected (CI, files) it draws nothing and log lines pass through.</summary>
internal sealed class ProgressLine
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastDraw = -1000;
    private bool _drawn;

    public void Log(string line)
    {
        lock (_gate)
        {
            Clear();
            Console.Error.WriteLine(line);
        }
    }

    public void Report(string phase, int epoch, int epochs, int step, int steps)
    {
        if (!_interactive || (step != steps && _clock.ElapsedMilliseconds - _lastDraw < 100))
        {
            return;
        }

        lock (_gate)
        {
            _lastDraw = _clock.ElapsedMilliseconds;
            const int width = 30;
            var filled = steps == 0 ? width : step * width / steps;
            Console.Error.Write($"\r{phase,-5} epoch {epoch,3}/{epochs} [{new string('#', filled)}{new string('.', width - filled)}] {step}/{steps} steps ");
            _drawn = true;
        }
    }

    private void Clear()
    {
        if (_drawn)
        {
            Console.Error.Write("\r" + new string(' ', Math.Max(Console.WindowWidth - 1, 80)) + "\r");
            _drawn = false;
        }
    }
}
