using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using GanSharp.Cli.Serve;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp serve`: the live, read-only dashboard of a runs folder (see <see cref="Dashboard"/>).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var runs = new Option<string>("--runs") { Description = "The folder that holds run directories (and sweep folders of runs)", DefaultValueFactory = _ => "runs" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0: a free one)", DefaultValueFactory = _ => 6007 };
        var host = new Option<string>("--host") { Description = "Address to listen on; the default serves this machine only", DefaultValueFactory = _ => "127.0.0.1" };
        var cmd = new Command("serve", """
            Serve a live, read-only dashboard of the runs in a folder: the run list, and per run its loss and
            metric curves, the latest sample grids (a slider scrubs through them) and the checkpoints, updating
            while the run trains. Stop with Ctrl+C.

            Examples:
              gansharp serve                                  # runs/ at http://127.0.0.1:6007
              gansharp serve --runs sweeps/losses --port 8080
            """);
        foreach (var o in new Option[] { runs, port, host }) cmd.Options.Add(o);
        cmd.SetAction(p => Run(p.GetValue(runs)!, p.GetValue(host)!, p.GetValue(port)));
        return cmd;
    }

    private static int Run(string runs, string host, int port)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        try
        {
            var dashboard = Dashboard.StartAsync(runs, host, port).GetAwaiter().GetResult();
            try
            {
                if (IPAddress.TryParse(host, out var a) && !IPAddress.IsLoopback(a))
                    Console.Error.WriteLine($"warning: --host {host} serves the dashboard (read-only) to other machines on the network");
                Console.WriteLine($"serving {Path.GetFullPath(runs)} at {dashboard.Address} (read-only; Ctrl+C to stop)");
                dashboard.WaitForShutdownAsync(stop.Token).GetAwaiter().GetResult();
            }
            finally
            {
                dashboard.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
