using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Features
{
    /// <summary>
    /// The process-tree feature vector: names and order. The engine computes it, training reads it
    /// from <c>behaviorblock features</c>, and a model declares the version it was trained on, so
    /// training and inference can never disagree on a feature. docs/model.md describes each one.
    /// </summary>
    public static class FeatureSchema
    {
        /// <summary>Bumped whenever a feature is added, removed, reordered or redefined.</summary>
        public const int Version = 1;

        private static readonly Tactic[] s_tactics =
        {
            Tactic.InitialAccess, Tactic.Execution, Tactic.Persistence, Tactic.PrivilegeEscalation, Tactic.DefenseEvasion, Tactic.CredentialAccess,
            Tactic.Discovery, Tactic.LateralMovement, Tactic.Collection, Tactic.CommandAndControl, Tactic.Exfiltration, Tactic.Impact,
        };

        private static readonly string[] s_names = BuildNames();
        private static readonly Dictionary<string, int> s_index = BuildIndex();

        /// <summary>Feature names in vector order.</summary>
        public static IReadOnlyList<string> Names => s_names;

        /// <summary>Length of the vector.</summary>
        public static int Count => s_names.Length;

        /// <summary>The name of a tactic's rule-score feature, e.g. <c>rule_score_command_and_control</c>.</summary>
        public static string RuleScoreName(Tactic tactic)
        {
            var name = new System.Text.StringBuilder("rule_score_");
            string text = tactic.ToString();
            for (int i = 0; i < text.Length; i++)
            {
                if (char.IsUpper(text[i]) && i > 0)
                {
                    name.Append('_');
                }

                name.Append(char.ToLowerInvariant(text[i]));
            }

            return name.ToString();
        }

        /// <summary>Position of a feature by name.</summary>
        public static int IndexOf(string name) => s_index.TryGetValue(name, out int index) ? index : throw new ArgumentException("no feature named " + name, nameof(name));

        private static Dictionary<string, int> BuildIndex()
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < s_names.Length; i++)
            {
                index.Add(s_names[i], i);
            }

            return index;
        }

        private static string[] BuildNames()
        {
            var names = new List<string>
            {
                // Shape of the tree (log1p counts unless named otherwise).
                "processes", "depth", "distinct_images", "events", "duration_log_s", "exited_share",
                // Event kinds (log1p counts).
                "n_process_start", "n_file_create", "n_file_delete", "n_file_modify", "n_registry_create", "n_registry_set", "n_registry_delete",
                "n_network", "n_dns", "n_image_load", "n_process_access", "n_remote_thread", "n_pipe", "n_script_block", "n_ps_pipeline",
                "n_service_install", "n_scheduled_task", "n_wmi", "n_logon", "n_share_access", "n_raw_disk", "n_tampering",
                // Lineage: classes of the root's parent and of any member (flags 0/1).
                "root_parent_office", "root_parent_browser", "root_parent_script_host", "root_parent_shell", "root_parent_service",
                "root_parent_wmi", "root_parent_explorer", "any_office", "any_script_host", "any_shell", "any_lolbin", "any_powershell",
                "office_spawns_child", "shell_depth",
                // Command lines.
                "cmd_max_len_log", "cmd_max_entropy", "cmd_encoded", "cmd_base64_token", "cmd_suspicious_tokens", "cmd_url", "cmd_obfuscation_chars",
                // Files, registry, network.
                "write_executable", "write_script", "write_temp_or_public", "exe_written_then_run", "autorun_registry", "startup_folder_write",
                "service_registry", "remote_ports_rare", "distinct_remote_ips_log", "dns_long_label", "lsass_access", "access_mask_read_memory",
                "image_from_user_path", "unsigned_image_load",
                // Timing.
                "burst_max_per_s_log", "first_signal_delay_log_s",
            };

            // Rule signals: per tactic the combined score of distinct rules (0..1), then overall counts.
            foreach (Tactic tactic in s_tactics)
            {
                names.Add(RuleScoreName(tactic));
            }

            names.Add("rule_distinct");
            names.Add("rule_max_level");
            return names.ToArray();
        }
    }
}
