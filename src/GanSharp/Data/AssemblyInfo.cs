using System.Runtime.CompilerServices;

// Tests swap the network sources of Mnist for local ones (see MnistOptions' internal members).
[assembly: InternalsVisibleTo("GanSharp.Tests")]
