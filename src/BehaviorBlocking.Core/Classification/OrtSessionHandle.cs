using System;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// Owns an OrtSession and the native copies of its input and output names. A SafeHandle so a
    /// Run in flight keeps the session alive (DangerousAddRef) even if the model is disposed
    /// meanwhile: the session is released when the last user lets go.
    /// </summary>
    internal sealed class OrtSessionHandle : SafeHandle
    {
        private readonly OrtApiTable _api;

        public OrtSessionHandle(OrtApiTable api)
            : base(IntPtr.Zero, ownsHandle: true)
        {
            _api = api;
        }

        /// <summary>Input names as NUL-terminated UTF-8, in the order Run passes them.</summary>
        public IntPtr[] InputNames { get; set; } = Array.Empty<IntPtr>();

        /// <summary>Output names as NUL-terminated UTF-8, in the order Run asks for them.</summary>
        public IntPtr[] OutputNames { get; set; } = Array.Empty<IntPtr>();

        public override bool IsInvalid => handle == IntPtr.Zero;

        public void Attach(IntPtr session)
        {
            SetHandle(session);
        }

        protected override bool ReleaseHandle()
        {
            _api.ReleaseSession(handle);
            Free(InputNames);
            Free(OutputNames);
            return true;
        }

        private static void Free(IntPtr[] names)
        {
            for (int i = 0; i < names.Length; i++)
            {
                if (names[i] != IntPtr.Zero)
                {
                    Marshal.FreeHGlobal(names[i]);
                    names[i] = IntPtr.Zero;
                }
            }
        }
    }
}
