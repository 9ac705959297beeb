namespace TorchMixing;

/// <summary>
/// A problem with what the user gave us (a file, a field, a weight, a command line): the message names the
/// file/field/domain and says what is wrong, and the CLI prints it without a stack trace and exits non-zero.
/// Everything else that escapes is a bug and is reported as one.
/// </summary>
public sealed class UserInputException : Exception
{
    public UserInputException(string message) : base(message) { }
    public UserInputException(string message, Exception inner) : base(message, inner) { }
}
