namespace GanSharp.Data;

/// <summary>
/// A dataset could not be read or fetched. The message is one line meant for the user: it names the file
/// (or source) and says what to do about it.
/// </summary>
public sealed class DataException : Exception
{
    public DataException(string message) : base(message) { }

    public DataException(string message, Exception inner) : base(message, inner) { }
}
