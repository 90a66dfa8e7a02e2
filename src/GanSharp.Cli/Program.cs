System.Console.WriteLine(GanSharp.Probe.Hello());
