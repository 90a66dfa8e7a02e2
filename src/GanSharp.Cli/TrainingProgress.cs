using System.Diagnostics;
using GanSharp.Training;
using Spectre.Console;
using GanSharp.Runs;

namespace GanSharp.Cli;

/// <summary>
/// Progress for a training run: a Spectre.Console bar with ETA and live losses on an interactive terminal, or a
/// plain line every few seconds when output is redirected, in CI or on TERM=dumb (see <see cref="ConsoleMode"/>).
/// </summary>
public sealed class TrainingProgress : ITrainingObserver
{
    private readonly Action<StepStats> _report;

    private TrainingProgress(Action<StepStats> report) => _report = report;

    public void OnStep(Trainer trainer, StepStats stats) => _report(stats);

    public static bool Run(TrainingRun run, CancellationToken cancel)
    {
        var trainer = run.Trainer;
        int total = trainer.Options.Steps;
        var mode = ConsoleMode.Detect();
        mode.Apply();
        if (!mode.Live)
        {
            var clock = Stopwatch.StartNew();
            int startStep = trainer.Step;
            double lastPrint = -10;
            var obs = new TrainingProgress(s =>
            {
                if (clock.Elapsed.TotalSeconds - lastPrint < 5 && s.Step != total) return;
                lastPrint = clock.Elapsed.TotalSeconds;
                double rate = (s.Step - startStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                var eta = TimeSpan.FromSeconds((total - s.Step) / Math.Max(rate, 1e-9));
                Console.WriteLine($"step {s.Step}/{total} ({100.0 * s.Step / total:F0}%)  {s.Summary()}  {rate:F1} steps/s  ETA {eta:hh\\:mm\\:ss}");
            });
            return RunWith(trainer, obs, cancel);
        }

        bool completed = false;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: total);
                task.Value = trainer.Step;
                var obs = new TrainingProgress(s =>
                {
                    task.Value = s.Step;
                    task.Description = $"step {s.Step}/{total}  {Markup.Escape(s.Summary())}";
                });
                completed = RunWith(trainer, obs, cancel);
            });
        return completed;
    }

    private static bool RunWith(Trainer trainer, TrainingProgress obs, CancellationToken cancel)
    {
        trainer.Observers.Add(obs);
        try
        {
            return trainer.Run(cancel);
        }
        finally
        {
            trainer.Observers.Remove(obs);
        }
    }
}
