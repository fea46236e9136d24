using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// Loads a native library by full path and finds its exports. netstandard2.0 has no
    /// NativeLibrary, and DllImport does not find versioned names such as libonnxruntime.so.1.
    /// </summary>
    internal static class NativeLibraryLoader
    {
        private const int RtldNow = 2;

        // Windows: resolve the library's own dependencies from its folder first.
        private const uint LoadWithAlteredSearchPath = 0x00000008;

        private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Loads the library; on failure returns <see cref="IntPtr.Zero"/> and the loader's reason.</summary>
        public static IntPtr Load(string fullPath, out string error)
        {
            error = string.Empty;
            if (IsWindows)
            {
                IntPtr module = Windows.LoadLibraryExW(fullPath, IntPtr.Zero, LoadWithAlteredSearchPath);
                if (module == IntPtr.Zero)
                {
                    error = new Win32Exception(Marshal.GetLastWin32Error()).Message;
                }

                return module;
            }

            IntPtr handle = Unix.Open(fullPath, RtldNow, out error);
            return handle;
        }

        /// <summary>Address of an exported function, or <see cref="IntPtr.Zero"/> when it is not exported.</summary>
        public static IntPtr GetExport(IntPtr library, string name)
        {
            return IsWindows ? Windows.GetProcAddress(library, name) : Unix.Symbol(library, name);
        }

        private static class Windows
        {
            [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            internal static extern IntPtr LoadLibraryExW(string fileName, IntPtr reserved, uint flags);

            [DllImport("kernel32.dll", CharSet = CharSet.Ansi, SetLastError = true, ExactSpelling = true, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr GetProcAddress(IntPtr module, string procName);
        }

        /// <summary>
        /// dlopen/dlsym live in libdl.so.2 on older glibc, in libc.so.6 from glibc 2.34 on (libdl.so.2
        /// remains as a stub), and in libSystem on macOS. The first library that answers is used.
        /// </summary>
        private static class Unix
        {
            private static readonly object s_gate = new object();
            private static int s_flavor = -1;

            public static IntPtr Open(string path, int flags, out string error)
            {
                error = string.Empty;
                IntPtr handle;
                switch (Flavor())
                {
                    case 0:
                        handle = LibDl.dlopen(path, flags);
                        if (handle == IntPtr.Zero)
                        {
                            error = Message(LibDl.dlerror());
                        }

                        return handle;
                    case 1:
                        handle = LibC6.dlopen(path, flags);
                        if (handle == IntPtr.Zero)
                        {
                            error = Message(LibC6.dlerror());
                        }

                        return handle;
                    case 2:
                        handle = LibSystem.dlopen(path, flags);
                        if (handle == IntPtr.Zero)
                        {
                            error = Message(LibSystem.dlerror());
                        }

                        return handle;
                    default:
                        error = "no dlopen was found in libdl.so.2, libc.so.6 or libSystem";
                        return IntPtr.Zero;
                }
            }

            public static IntPtr Symbol(IntPtr handle, string name)
            {
                switch (Flavor())
                {
                    case 0:
                        return LibDl.dlsym(handle, name);
                    case 1:
                        return LibC6.dlsym(handle, name);
                    case 2:
                        return LibSystem.dlsym(handle, name);
                    default:
                        return IntPtr.Zero;
                }
            }

            private static string Message(IntPtr text)
            {
                return text == IntPtr.Zero ? "unknown dlopen error" : Marshal.PtrToStringAnsi(text) ?? "unknown dlopen error";
            }

            private static int Flavor()
            {
                lock (s_gate)
                {
                    if (s_flavor < 0)
                    {
                        s_flavor = Probe();
                    }

                    return s_flavor;
                }
            }

            private static int Probe()
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                {
                    return Answers(() => LibSystem.dlerror()) ? 2 : 3;
                }

                if (Answers(() => LibDl.dlerror()))
                {
                    return 0;
                }

                return Answers(() => LibC6.dlerror()) ? 1 : 3;
            }

            private static bool Answers(Action call)
            {
                try
                {
                    call();
                    return true;
                }
                catch (DllNotFoundException)
                {
                    return false;
                }
                catch (EntryPointNotFoundException)
                {
                    return false;
                }
            }
        }

        private static class LibDl
        {
            [DllImport("libdl.so.2", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlopen(string fileName, int flags);

            [DllImport("libdl.so.2", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlsym(IntPtr handle, string symbol);

            [DllImport("libdl.so.2")]
            internal static extern IntPtr dlerror();
        }

        private static class LibC6
        {
            [DllImport("libc.so.6", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlopen(string fileName, int flags);

            [DllImport("libc.so.6", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlsym(IntPtr handle, string symbol);

            [DllImport("libc.so.6")]
            internal static extern IntPtr dlerror();
        }

        private static class LibSystem
        {
            [DllImport("/usr/lib/libSystem.B.dylib", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlopen(string fileName, int flags);

            [DllImport("/usr/lib/libSystem.B.dylib", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlsym(IntPtr handle, string symbol);

            [DllImport("/usr/lib/libSystem.B.dylib")]
            internal static extern IntPtr dlerror();
        }
    }
}
