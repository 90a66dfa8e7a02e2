namespace GanSharp.Imaging;

/// <summary>An image file could not be read or written; the message names the file and what was wrong.</summary>
public sealed class ImageException : Exception
{
    public ImageException(string message) : base(message) { }

    public ImageException(string message, Exception inner) : base(message, inner) { }
}
