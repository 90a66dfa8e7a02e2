using Xunit;

namespace GanSharp.Tests.Attacks;

public class AttackCliTests
{
    private static (int Code, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (o, e) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            return (GanSharp.Cli.Program.Main(args), stderr.ToString());
        }
        finally
        {
            Console.SetOut(o);
            Console.SetError(e);
        }
    }

    [Theory]
    [InlineData("unknown --model 'resnet'", "attack", "--model", "resnet")]
    [InlineData("--eps values must be positive", "attack", "--eps", "0.1,0")]
    [InlineData("--eps values must be positive", "attack", "--eps", "-0.1")]
    [InlineData("not a comma-separated list", "attack", "--eps", "0.1,abc")]
    [InlineData("larger than the [0, 1] pixel range", "attack", "--norm", "linf", "--eps", "2")]
    [InlineData("unknown --method 'cw'", "attack", "--method", "cw")]
    [InlineData("unknown --norm 'l1'", "attack", "--norm", "l1")]
    [InlineData("--samples must be positive", "attack", "--samples", "0")]
    [InlineData("--maxout-units must be between 1 and 10000", "attack", "--model", "maxout", "--maxout-units", "0")]
    public void BadInputIsOneClearLine(string expected, params string[] args)
    {
        var (code, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("error: ", err);
    }
}
