namespace GanSharp.Training;

/// <summary>A system whose generator takes a class label (0 … NumClasses − 1) as its condition.</summary>
public interface IClassConditional
{
    int NumClasses { get; }
}
