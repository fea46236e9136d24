using System;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Maps <c>Microsoft-Windows-Sysmon/Operational</c> events (IDs 1-29 and 255) onto the typed
    /// properties. The full table and the reasons behind each choice are in docs/events.md.
    /// </summary>
    internal static class SysmonEventMapper
    {
        public const string Channel = "Microsoft-Windows-Sysmon/Operational";

        public static void Map(EventRecord record, ref EventDraft draft)
        {
            switch (record.EventId)
            {
                case 1:
                    draft.Kind = EventKind.ProcessStart;
                    ReadActor(record, ref draft);
                    draft.CommandLine = EventFieldParser.Text(record.GetField("CommandLine"));
                    draft.Hashes = EventFieldParser.Name(record.GetField("Hashes"));
                    draft.ParentProcessGuid = EventFieldParser.Guid(record.GetField("ParentProcessGuid"));
                    draft.ParentProcessId = EventFieldParser.ProcessId(record.GetField("ParentProcessId"));
                    draft.ParentImage = EventFieldParser.Name(record.GetField("ParentImage"));
                    draft.ParentCommandLine = EventFieldParser.Text(record.GetField("ParentCommandLine"));
                    break;

                case 2:
                    // File creation time changed (timestomping): a change to the file's metadata.
                    draft.Kind = EventKind.FileModify;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("TargetFilename"));
                    draft.Details = EventFieldParser.Text(record.GetField("CreationUtcTime"));
                    break;

                case 3:
                    draft.Kind = EventKind.NetworkConnect;
                    ReadActor(record, ref draft);
                    draft.Protocol = EventFieldParser.Name(record.GetField("Protocol"));
                    draft.Initiated = EventFieldParser.Boolean(record.GetField("Initiated"));
                    draft.SourceIp = EventFieldParser.Name(record.GetField("SourceIp"));
                    draft.SourcePort = EventFieldParser.Port(record.GetField("SourcePort"));
                    draft.DestinationIp = EventFieldParser.Name(record.GetField("DestinationIp"));
                    draft.DestinationPort = EventFieldParser.Port(record.GetField("DestinationPort"));
                    draft.DestinationHostname = EventFieldParser.Name(record.GetField("DestinationHostname"));
                    break;

                case 4:
                    draft.Kind = EventKind.SensorState;
                    draft.Details = EventFieldParser.Text(record.GetField("State"));
                    break;

                case 5:
                    draft.Kind = EventKind.ProcessExit;
                    ReadActor(record, ref draft);
                    break;

                case 6:
                    // Driver loads are reported by the kernel, not by a process: no actor.
                    draft.Kind = EventKind.DriverLoad;
                    draft.TargetPath = EventFieldParser.Name(record.GetField("ImageLoaded"));
                    draft.Hashes = EventFieldParser.Name(record.GetField("Hashes"));
                    break;

                case 7:
                    draft.Kind = EventKind.ImageLoad;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("ImageLoaded"));
                    draft.Hashes = EventFieldParser.Name(record.GetField("Hashes"));
                    break;

                case 8:
                    draft.Kind = EventKind.RemoteThread;
                    draft.ProcessGuid = EventFieldParser.Guid(record.GetField("SourceProcessGuid"));
                    draft.ProcessId = EventFieldParser.ProcessId(record.GetField("SourceProcessId"));
                    draft.Image = EventFieldParser.Name(record.GetField("SourceImage"));
                    draft.User = EventFieldParser.Name(record.GetField("SourceUser"));
                    draft.TargetProcessGuid = EventFieldParser.Guid(record.GetField("TargetProcessGuid"));
                    draft.TargetProcessId = EventFieldParser.ProcessId(record.GetField("TargetProcessId"));
                    draft.TargetImage = EventFieldParser.Name(record.GetField("TargetImage"));
                    draft.TargetPath = EventFieldParser.Name(record.GetField("StartModule"));
                    draft.TargetName = EventFieldParser.Name(record.GetField("StartFunction"));
                    draft.Details = EventFieldParser.Text(record.GetField("StartAddress"));
                    break;

                case 9:
                    draft.Kind = EventKind.RawDiskAccess;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("Device"));
                    break;

                case 10:
                    // Sysmon spells these two GUID fields SourceProcessGUID / TargetProcessGUID;
                    // the lookup ignores case, so either spelling matches.
                    draft.Kind = EventKind.ProcessAccess;
                    draft.ProcessGuid = EventFieldParser.Guid(record.GetField("SourceProcessGUID"));
                    draft.ProcessId = EventFieldParser.ProcessId(record.GetField("SourceProcessId"));
                    draft.Image = EventFieldParser.Name(record.GetField("SourceImage"));
                    draft.User = EventFieldParser.Name(record.GetField("SourceUser"));
                    draft.TargetProcessGuid = EventFieldParser.Guid(record.GetField("TargetProcessGUID"));
                    draft.TargetProcessId = EventFieldParser.ProcessId(record.GetField("TargetProcessId"));
                    draft.TargetImage = EventFieldParser.Name(record.GetField("TargetImage"));
                    draft.Details = EventFieldParser.Text(record.GetField("GrantedAccess"));
                    break;

                case 11:
                    draft.Kind = EventKind.FileCreate;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("TargetFilename"));
                    break;

                case 12:
                    draft.Kind = RegistryCreateOrDelete(record.GetField("EventType"));
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("TargetObject"));
                    break;

                case 13:
                    draft.Kind = EventKind.RegistrySet;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("TargetObject"));
                    draft.Details = EventFieldParser.Text(record.GetField("Details"));
                    break;

                case 14:
                    draft.Kind = EventKind.RegistryRename;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("TargetObject"));
                    draft.TargetName = EventFieldParser.Name(record.GetField("NewName"));
                    break;

                case 15:
                    // An alternate data stream was written (Zone.Identifier, hidden payloads).
                    draft.Kind = EventKind.FileModify;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("TargetFilename"));
                    draft.Hashes = EventFieldParser.Name(record.GetField("Hash"));
                    draft.Details = EventFieldParser.Text(record.GetField("Contents"));
                    break;

                case 16:
                    draft.Kind = EventKind.SensorState;
                    draft.User = EventFieldParser.Name(record.GetField("User"));
                    draft.TargetPath = EventFieldParser.Name(record.GetField("Configuration"));
                    draft.Details = EventFieldParser.Text(record.GetField("ConfigurationFileHash"));
                    break;

                case 17:
                    draft.Kind = EventKind.PipeCreate;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("PipeName"));
                    break;

                case 18:
                    draft.Kind = EventKind.PipeConnect;
                    ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("PipeName"));
                    break;

                case 19:
                    // WMI events name no process; the account that registered the object is the actor.
                    draft.Kind = EventKind.WmiSubscription;
                    draft.User = EventFieldParser.Name(record.GetField("User"));
                    draft.TargetPath = EventFieldParser.Unquoted(record.GetField("EventNamespace"));
                    draft.TargetName = EventFieldParser.Unquoted(record.GetField("Name"));
                    draft.Details = EventFieldParser.Unquoted(record.GetField("Query"));
                    break;

                case 20:
                    draft.Kind = EventKind.WmiSubscription;
                    draft.User = EventFieldParser.Name(record.GetField("User"));
                    draft.TargetName = EventFieldParser.Unquoted(record.GetField("Name"));
                    draft.Details = EventFieldParser.Unquoted(record.GetField("Destination"));
                    break;

                case 21:
                    draft.Kind = EventKind.WmiSubscription;
                    draft.User = EventFieldParser.Name(record.GetField("User"));
                    draft.TargetName = EventFieldParser.Unquoted(record.GetField("Consumer"));
                    draft.Details = EventFieldParser.Unquoted(record.GetField("Filter"));
                    break;

                case 22:
                    draft.Kind = EventKind.DnsQuery;
                    ReadActor(record, ref draft);
                    draft.TargetName = EventFieldParser.Name(record.GetField("QueryName"));
                    draft.Details = EventFieldParser.Text(record.GetField("QueryResults"));
                    break;

                case 23: // deleted and archived
                case 26: // deleted, logged only
                case 28: // deletion by shredding blocked: EventKind.FileDelete covers blocked deletions
                    draft.Kind = EventKind.FileDelete;
                    ReadFileEvent(record, ref draft);
                    break;

                case 24:
                    draft.Kind = EventKind.ClipboardChange;
                    ReadActor(record, ref draft);
                    draft.Hashes = EventFieldParser.Name(record.GetField("Hashes"));
                    break;

                case 25:
                    // Sysmon names only the process whose image changed. It is both the actor
                    // (so the event joins that process in the tree) and the target.
                    draft.Kind = EventKind.ProcessTampering;
                    ReadActor(record, ref draft);
                    draft.TargetProcessGuid = draft.ProcessGuid;
                    draft.TargetProcessId = draft.ProcessId;
                    draft.TargetImage = draft.Image;
                    draft.Details = EventFieldParser.Text(record.GetField("Type"));
                    break;

                case 27:
                    // Creation of an executable was blocked: no file was created and none deleted,
                    // so no file kind is honest. Kept as Other with its typed fields filled.
                    draft.Kind = EventKind.Other;
                    ReadFileEvent(record, ref draft);
                    break;

                case 29:
                    // An executable file was written and detected by its header.
                    draft.Kind = EventKind.FileCreate;
                    ReadFileEvent(record, ref draft);
                    break;

                case 255:
                    draft.Kind = EventKind.SensorState;
                    draft.TargetName = EventFieldParser.Name(record.GetField("ID"));
                    draft.Details = EventFieldParser.Text(record.GetField("Description"));
                    break;

                default:
                    draft.Kind = EventKind.Other;
                    ReadActor(record, ref draft);
                    break;
            }
        }

        internal static void ReadActor(EventRecord record, ref EventDraft draft)
        {
            draft.ProcessGuid = EventFieldParser.Guid(record.GetField("ProcessGuid"));
            draft.ProcessId = EventFieldParser.ProcessId(record.GetField("ProcessId"));
            draft.Image = EventFieldParser.Name(record.GetField("Image"));
            draft.User = EventFieldParser.Name(record.GetField("User"));
        }

        private static void ReadFileEvent(EventRecord record, ref EventDraft draft)
        {
            ReadActor(record, ref draft);
            draft.TargetPath = EventFieldParser.Name(record.GetField("TargetFilename"));
            draft.Hashes = EventFieldParser.Name(record.GetField("Hashes"));
        }

        // EventType names the operation; collectors that dropped it (some NXLog exports)
        // leave only the ID, and key creation is what Sysmon reports there most of the time.
        private static EventKind RegistryCreateOrDelete(string? eventType)
        {
            if (eventType is not null && eventType.StartsWith("Delete", StringComparison.OrdinalIgnoreCase))
            {
                return EventKind.RegistryDelete;
            }

            return EventKind.RegistryCreate;
        }
    }
}
