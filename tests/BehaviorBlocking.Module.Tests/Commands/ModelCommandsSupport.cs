using System;
using System.IO;

namespace BehaviorBlocking.Module.Tests.Commands
{
    /// <summary>Copies of the built-in model for the model cmdlet tests.</summary>
    internal static class ModelCopies
    {
        public static string BuiltInOnnx => Path.Combine(AppContext.BaseDirectory, "models", "behavior.onnx");

        /// <summary>Copies the built-in model and manifest into <paramref name="folder"/>; returns the .onnx path.</summary>
        public static string Good(string folder)
        {
            Directory.CreateDirectory(folder);
            string onnx = Path.Combine(folder, "candidate.onnx");
            File.Copy(BuiltInOnnx, onnx);
            File.Copy(Path.ChangeExtension(BuiltInOnnx, ".json"), Path.ChangeExtension(onnx, ".json"));
            return onnx;
        }

        /// <summary>A copy whose model bytes were altered after its manifest was written; returns the .onnx path.</summary>
        public static string Corrupt(string folder)
        {
            string onnx = Good(folder);
            byte[] bytes = File.ReadAllBytes(onnx);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(onnx, bytes);
            return onnx;
        }
    }
}
