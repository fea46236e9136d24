using System;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// The part of ONNX Runtime's C function table (<c>OrtApi</c>) the classifier uses, read by slot
    /// index and called through delegates (Marshal.GetDelegateForFunctionPointer works on .NET
    /// Framework 4.7.2 and .NET alike).
    /// </summary>
    /// <remarks>
    /// Slots are 0-based positions in <c>struct OrtApi</c> of onnxruntime_c_api.h. The struct only
    /// grows at its end, so a slot keeps its meaning in every later version. Counted in
    /// microsoft/onnxruntime include/onnxruntime/core/session/onnxruntime_c_api.h (ORT_API_VERSION 13,
    /// commit 0017800f); every slot below predates API 13 and is what ORT 1.30 serves:
    /// GetErrorCode 1, GetErrorMessage 2, CreateEnv 3, CreateSessionFromArray 8, Run 9,
    /// CreateSessionOptions 10, SetSessionGraphOptimizationLevel 23, SetIntraOpNumThreads 24,
    /// SessionGetInputCount 30, SessionGetOutputCount 31, SessionGetInputTypeInfo 33,
    /// SessionGetOutputTypeInfo 34, SessionGetInputName 36, SessionGetOutputName 37,
    /// CreateTensorWithDataAsOrtValue 49, GetTensorMutableData 51, CastTypeInfoToTensorInfo 55,
    /// GetOnnxTypeFromTypeInfo 56, GetTensorElementType 60, GetDimensionsCount 61, GetDimensions 62,
    /// GetTensorTypeAndShape 65, GetValueType 67, CreateCpuMemoryInfo 69, AllocatorFree 76,
    /// GetAllocatorWithDefaultOptions 78, ReleaseEnv 92, ReleaseStatus 93, ReleaseMemoryInfo 94,
    /// ReleaseSession 95, ReleaseValue 96, ReleaseTypeInfo 98, ReleaseTensorTypeAndShapeInfo 99,
    /// ReleaseSessionOptions 100.
    /// ORT_API_CALL is __stdcall on Windows and the C convention elsewhere: CallingConvention.Winapi
    /// is exactly that platform default.
    /// </remarks>
    internal sealed class OrtApiTable
    {
        /// <summary>API version asked of OrtApiBase.GetApi: the header the slots were counted in.</summary>
        public const uint RequestedApiVersion = 13;

        // ONNXType and ONNXTensorElementDataType values used here.
        public const int OnnxTypeTensor = 1;
        public const int OnnxTypeSequence = 2;
        public const int OnnxTypeMap = 3;
        public const int ElementFloat = 1;
        public const int ElementInt64 = 7;

        public readonly GetErrorCodeFn GetErrorCode;
        public readonly GetErrorMessageFn GetErrorMessage;
        public readonly CreateEnvFn CreateEnv;
        public readonly CreateSessionFromArrayFn CreateSessionFromArray;
        public readonly RunFn Run;
        public readonly CreateSessionOptionsFn CreateSessionOptions;
        public readonly SetIntOptionFn SetSessionGraphOptimizationLevel;
        public readonly SetIntOptionFn SetIntraOpNumThreads;
        public readonly SessionGetCountFn SessionGetInputCount;
        public readonly SessionGetCountFn SessionGetOutputCount;
        public readonly SessionGetTypeInfoFn SessionGetInputTypeInfo;
        public readonly SessionGetTypeInfoFn SessionGetOutputTypeInfo;
        public readonly SessionGetNameFn SessionGetInputName;
        public readonly SessionGetNameFn SessionGetOutputName;
        public readonly CreateTensorWithDataAsOrtValueFn CreateTensorWithDataAsOrtValue;
        public readonly GetTensorMutableDataFn GetTensorMutableData;
        public readonly CastTypeInfoToTensorInfoFn CastTypeInfoToTensorInfo;
        public readonly GetIntOutFn GetOnnxTypeFromTypeInfo;
        public readonly GetIntOutFn GetTensorElementType;
        public readonly GetDimensionsCountFn GetDimensionsCount;
        public readonly GetDimensionsFn GetDimensions;
        public readonly GetTensorTypeAndShapeFn GetTensorTypeAndShape;
        public readonly GetIntOutFn GetValueType;
        public readonly CreateCpuMemoryInfoFn CreateCpuMemoryInfo;
        public readonly AllocatorFreeFn AllocatorFree;
        public readonly GetAllocatorWithDefaultOptionsFn GetAllocatorWithDefaultOptions;
        public readonly ReleaseFn ReleaseEnv;
        public readonly ReleaseFn ReleaseStatus;
        public readonly ReleaseFn ReleaseMemoryInfo;
        public readonly ReleaseFn ReleaseSession;
        public readonly ReleaseFn ReleaseValue;
        public readonly ReleaseFn ReleaseTypeInfo;
        public readonly ReleaseFn ReleaseTensorTypeAndShapeInfo;
        public readonly ReleaseFn ReleaseSessionOptions;

        private readonly IntPtr _table;

        private OrtApiTable(IntPtr table)
        {
            _table = table;
            GetErrorCode = Slot<GetErrorCodeFn>(1);
            GetErrorMessage = Slot<GetErrorMessageFn>(2);
            CreateEnv = Slot<CreateEnvFn>(3);
            CreateSessionFromArray = Slot<CreateSessionFromArrayFn>(8);
            Run = Slot<RunFn>(9);
            CreateSessionOptions = Slot<CreateSessionOptionsFn>(10);
            SetSessionGraphOptimizationLevel = Slot<SetIntOptionFn>(23);
            SetIntraOpNumThreads = Slot<SetIntOptionFn>(24);
            SessionGetInputCount = Slot<SessionGetCountFn>(30);
            SessionGetOutputCount = Slot<SessionGetCountFn>(31);
            SessionGetInputTypeInfo = Slot<SessionGetTypeInfoFn>(33);
            SessionGetOutputTypeInfo = Slot<SessionGetTypeInfoFn>(34);
            SessionGetInputName = Slot<SessionGetNameFn>(36);
            SessionGetOutputName = Slot<SessionGetNameFn>(37);
            CreateTensorWithDataAsOrtValue = Slot<CreateTensorWithDataAsOrtValueFn>(49);
            GetTensorMutableData = Slot<GetTensorMutableDataFn>(51);
            CastTypeInfoToTensorInfo = Slot<CastTypeInfoToTensorInfoFn>(55);
            GetOnnxTypeFromTypeInfo = Slot<GetIntOutFn>(56);
            GetTensorElementType = Slot<GetIntOutFn>(60);
            GetDimensionsCount = Slot<GetDimensionsCountFn>(61);
            GetDimensions = Slot<GetDimensionsFn>(62);
            GetTensorTypeAndShape = Slot<GetTensorTypeAndShapeFn>(65);
            GetValueType = Slot<GetIntOutFn>(67);
            CreateCpuMemoryInfo = Slot<CreateCpuMemoryInfoFn>(69);
            AllocatorFree = Slot<AllocatorFreeFn>(76);
            GetAllocatorWithDefaultOptions = Slot<GetAllocatorWithDefaultOptionsFn>(78);
            ReleaseEnv = Slot<ReleaseFn>(92);
            ReleaseStatus = Slot<ReleaseFn>(93);
            ReleaseMemoryInfo = Slot<ReleaseFn>(94);
            ReleaseSession = Slot<ReleaseFn>(95);
            ReleaseValue = Slot<ReleaseFn>(96);
            ReleaseTypeInfo = Slot<ReleaseFn>(98);
            ReleaseTensorTypeAndShapeInfo = Slot<ReleaseFn>(99);
            ReleaseSessionOptions = Slot<ReleaseFn>(100);
        }

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetApiFn(uint version);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetVersionStringFn();

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetApiBaseFn();

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate int GetErrorCodeFn(IntPtr status);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetErrorMessageFn(IntPtr status);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr CreateEnvFn(int logSeverityLevel, byte[] logId, out IntPtr env);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr CreateSessionFromArrayFn(IntPtr env, byte[] modelData, UIntPtr modelDataLength, IntPtr options, out IntPtr session);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr RunFn(
            IntPtr session,
            IntPtr runOptions,
            IntPtr[] inputNames,
            IntPtr[] inputs,
            UIntPtr inputCount,
            IntPtr[] outputNames,
            UIntPtr outputCount,
            [In, Out] IntPtr[] outputs);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr CreateSessionOptionsFn(out IntPtr options);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr SetIntOptionFn(IntPtr options, int value);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr SessionGetCountFn(IntPtr session, out UIntPtr count);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr SessionGetTypeInfoFn(IntPtr session, UIntPtr index, out IntPtr typeInfo);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr SessionGetNameFn(IntPtr session, UIntPtr index, IntPtr allocator, out IntPtr name);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr CreateTensorWithDataAsOrtValueFn(
            IntPtr memoryInfo,
            IntPtr data,
            UIntPtr dataLength,
            long[] shape,
            UIntPtr shapeLength,
            int elementType,
            out IntPtr value);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetTensorMutableDataFn(IntPtr value, out IntPtr data);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr CastTypeInfoToTensorInfoFn(IntPtr typeInfo, out IntPtr tensorInfo);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetIntOutFn(IntPtr subject, out int value);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetDimensionsCountFn(IntPtr tensorInfo, out UIntPtr count);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetDimensionsFn(IntPtr tensorInfo, [Out] long[] dimensions, UIntPtr count);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetTensorTypeAndShapeFn(IntPtr value, out IntPtr tensorInfo);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr CreateCpuMemoryInfoFn(int allocatorType, int memoryType, out IntPtr memoryInfo);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr AllocatorFreeFn(IntPtr allocator, IntPtr pointer);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate IntPtr GetAllocatorWithDefaultOptionsFn(out IntPtr allocator);

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        public delegate void ReleaseFn(IntPtr instance);

        /// <summary>
        /// Reads the function table through the library's one export, <c>OrtGetApiBase</c>. Returns null
        /// with a reason when the library is not ONNX Runtime or is older than the requested API.
        /// </summary>
        public static OrtApiTable? Bind(IntPtr library, out string version, out string error)
        {
            version = string.Empty;
            error = string.Empty;
            IntPtr getApiBase = NativeLibraryLoader.GetExport(library, "OrtGetApiBase");
            if (getApiBase == IntPtr.Zero)
            {
                error = "the library does not export OrtGetApiBase (it is not ONNX Runtime)";
                return null;
            }

            IntPtr apiBase = Marshal.GetDelegateForFunctionPointer<GetApiBaseFn>(getApiBase)();
            if (apiBase == IntPtr.Zero)
            {
                error = "OrtGetApiBase returned nothing";
                return null;
            }

            // struct OrtApiBase { GetApi; GetVersionString; }
            var getApi = Marshal.GetDelegateForFunctionPointer<GetApiFn>(Marshal.ReadIntPtr(apiBase, 0));
            var getVersion = Marshal.GetDelegateForFunctionPointer<GetVersionStringFn>(Marshal.ReadIntPtr(apiBase, IntPtr.Size));
            version = Utf8.FromNative(getVersion());
            IntPtr table = getApi(RequestedApiVersion);
            if (table == IntPtr.Zero)
            {
                error = $"ONNX Runtime {version} does not provide C API version {RequestedApiVersion}";
                return null;
            }

            return new OrtApiTable(table);
        }

        /// <summary>
        /// Turns a non-null OrtStatus into its message ("ORT_INVALID_GRAPH: ...") and releases it;
        /// returns null for success (a null status).
        /// </summary>
        public string? TakeError(IntPtr status)
        {
            if (status == IntPtr.Zero)
            {
                return null;
            }

            try
            {
                int code = GetErrorCode(status);
                string message = Utf8.FromNative(GetErrorMessage(status));
                return $"{ErrorCodeName(code)}: {message}";
            }
            finally
            {
                ReleaseStatus(status);
            }
        }

        /// <summary>Copies a UTF-8 string ORT allocated with the default allocator and frees it.</summary>
        public string TakeAllocatedString(IntPtr allocator, IntPtr text)
        {
            try
            {
                return Utf8.FromNative(text);
            }
            finally
            {
                // Freeing cannot fail for a pointer the same allocator returned; nothing to report.
                _ = TakeError(AllocatorFree(allocator, text));
            }
        }

        private static string ErrorCodeName(int code)
        {
            switch (code)
            {
                case 1: return "ORT_FAIL";
                case 2: return "ORT_INVALID_ARGUMENT";
                case 3: return "ORT_NO_SUCHFILE";
                case 4: return "ORT_NO_MODEL";
                case 5: return "ORT_ENGINE_ERROR";
                case 6: return "ORT_RUNTIME_EXCEPTION";
                case 7: return "ORT_INVALID_PROTOBUF";
                case 8: return "ORT_MODEL_LOADED";
                case 9: return "ORT_NOT_IMPLEMENTED";
                case 10: return "ORT_INVALID_GRAPH";
                case 11: return "ORT_EP_FAIL";
                default: return "ORT error " + code.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        private T Slot<T>(int index)
            where T : Delegate
        {
            IntPtr function = Marshal.ReadIntPtr(_table, index * IntPtr.Size);
            if (function == IntPtr.Zero)
            {
                throw new InvalidOperationException($"OrtApi slot {index} is empty.");
            }

            return Marshal.GetDelegateForFunctionPointer<T>(function);
        }
    }
}
