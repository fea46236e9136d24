using System;
using System.Management.Automation;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands.Internal
{
    /// <summary>
    /// The one place engine failures become <see cref="ErrorRecord"/>s: the error id is the engine's stable id
    /// (docs/about/about_BehaviorBlocking_Errors.md), the category follows the failure kind, and the target is the
    /// input that failed, never the cmdlet.
    /// </summary>
    public static class ErrorRecords
    {
        /// <summary>Builds the error record of <paramref name="exception"/>.</summary>
        /// <param name="exception">The failure.</param>
        /// <param name="target">The input that failed, when the exception does not name its own target.</param>
        public static ErrorRecord From(Exception exception, object? target)
        {
            if (exception is null)
            {
                throw new ArgumentNullException(nameof(exception));
            }

            switch (exception)
            {
                case BehaviorBlockingException engine:
                    return new ErrorRecord(engine, engine.ErrorId, Category(engine.Kind), engine.Target ?? target);
                case PSArgumentException argument:
                    return new ErrorRecord(argument, ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, target);
                case ArgumentException argument:
                    return new ErrorRecord(argument, ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, target);
                case UnauthorizedAccessException denied:
                    return new ErrorRecord(denied, ErrorIds.AccessDenied, ErrorCategory.PermissionDenied, target);
                case PlatformNotSupportedException unsupported:
                    return new ErrorRecord(unsupported, ErrorIds.PlatformNotSupported, ErrorCategory.NotImplemented, target);
                default:
                    return new ErrorRecord(exception, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target);
            }
        }

        /// <summary>The error category of a failure kind.</summary>
        public static ErrorCategory Category(FailureKind kind) => kind switch
        {
            FailureKind.NotFound => ErrorCategory.ObjectNotFound,
            FailureKind.AccessDenied => ErrorCategory.PermissionDenied,
            FailureKind.InvalidData => ErrorCategory.InvalidData,
            FailureKind.NotSupported => ErrorCategory.NotImplemented,
            FailureKind.Unavailable => ErrorCategory.ResourceUnavailable,
            _ => ErrorCategory.NotSpecified,
        };
    }
}
