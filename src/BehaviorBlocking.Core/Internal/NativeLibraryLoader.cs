using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Internal
{
    /// <summary>
    /// Loads a native library by full path where the runtime has no NativeLibrary (.NET Framework, that
    /// is Windows PowerShell 5.1). Once loaded, a DllImport of the same file name binds to that module.
    /// </summary>
    internal static class NativeLibraryLoader
    {
        // Resolve the library's own dependencies from its folder first.
        private const uint LoadWithAlteredSearchPath = 0x00000008;

        /// <summary>Loads the library; on failure returns <see cref="IntPtr.Zero"/> and the loader's reason.</summary>
        public static IntPtr LoadWindows(string fullPath, out string error)
        {
            error = string.Empty;
            IntPtr module = Windows.LoadLibraryExW(fullPath, IntPtr.Zero, LoadWithAlteredSearchPath);
            if (module == IntPtr.Zero)
            {
                error = new Win32Exception(Marshal.GetLastWin32Error()).Message;
            }

            return module;
        }

        private static class Windows
        {
            [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            internal static extern IntPtr LoadLibraryExW(string fileName, IntPtr reserved, uint flags);
        }
    }
}
