using System;

namespace BehaviorBlocking
{
    /// <summary>What kind of failure an engine error is, so callers can map it to their own categories.</summary>
    public enum FailureKind
    {
        /// <summary>The engine itself failed unexpectedly.</summary>
        Internal = 0,

        /// <summary>Something named by the caller does not exist.</summary>
        NotFound,

        /// <summary>The caller lacks the rights for the operation.</summary>
        AccessDenied,

        /// <summary>Input (a file, a record, a setting) is malformed or inconsistent.</summary>
        InvalidData,

        /// <summary>The operation is not available on this platform or in this configuration.</summary>
        NotSupported,

        /// <summary>A resource the operation needs cannot be reached right now.</summary>
        Unavailable,
    }

    /// <summary>Base of every error the engine raises on purpose; <see cref="ErrorId"/> is public contract.</summary>
    [Serializable]
    public class BehaviorBlockingException : Exception
    {
        /// <summary>Creates an engine error with a stable PascalCase error id and a failure kind.</summary>
        public BehaviorBlockingException(string errorId, FailureKind kind, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId ?? throw new ArgumentNullException(nameof(errorId));
            Kind = kind;
        }

        /// <summary>Stable identifier such as <c>StoreSchemaTooNew</c>; listed in about_BehaviorBlocking_Errors.</summary>
        public string ErrorId { get; }

        /// <summary>What kind of failure this is.</summary>
        public FailureKind Kind { get; }

        /// <summary>The input the error is about (a path, a record), when there is one.</summary>
        public object? Target { get; init; }
    }
}
