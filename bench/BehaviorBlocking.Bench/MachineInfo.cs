using System;
using System.IO;
using System.Linq;
using System.Runtime;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Bench
{
    /// <summary>Where the figures came from.</summary>
    public sealed record MachineInfo(
        string Cpu, int LogicalCores, double MemoryGb, string Os, string Runtime, string Architecture, string GcMode)
    {
        /// <summary>Describes this machine.</summary>
        public static MachineInfo Current()
        {
            string cpu = "unknown";
            try
            {
                if (File.Exists("/proc/cpuinfo"))
                {
                    cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
                }
            }
            catch (IOException)
            {
            }

            double memoryGb = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0, 1);
            string gc = (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent");
            return new MachineInfo(cpu, Environment.ProcessorCount, memoryGb, RuntimeInformation.OSDescription,
                RuntimeInformation.FrameworkDescription, RuntimeInformation.ProcessArchitecture.ToString(), gc);
        }
    }
}
