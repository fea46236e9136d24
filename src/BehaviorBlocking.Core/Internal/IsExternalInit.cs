namespace System.Runtime.CompilerServices
{
    // netstandard2.0 lacks the marker type that C# init-only setters need.
    internal static class IsExternalInit
    {
    }
}
