using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Maps <c>Security</c> audit events, the <c>System</c> log's service-install and log-cleared
    /// events, and Task Scheduler registrations. The full table and the reasons behind each
    /// choice are in docs/events.md.
    /// </summary>
    internal static class SecurityEventMapper
    {
        public const string SecurityChannel = "Security";
        public const string SystemChannel = "System";
        public const string TaskSchedulerChannel = "Microsoft-Windows-TaskScheduler/Operational";

        public static void MapSecurity(EventRecord record, ref EventDraft draft)
        {
            switch (record.EventId)
            {
                case 4688:
                    MapProcessStart(record, ref draft);
                    break;

                case 4689:
                    draft.Kind = EventKind.ProcessExit;
                    ReadActorProcess(record, ref draft);
                    draft.User = SubjectAccount(record);
                    break;

                case 4624:
                case 4625:
                    MapLogon(record, ref draft);
                    break;

                case 4648:
                    draft.Kind = EventKind.ExplicitCredentialLogon;
                    ReadActorProcess(record, ref draft);
                    draft.User = SubjectAccount(record);
                    draft.TargetName = TargetAccount(record);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("TargetServerName"));
                    draft.Details = EventFieldParser.Text(record.GetField("TargetInfo"));
                    draft.DestinationIp = EventFieldParser.IpAddress(record.GetField("IpAddress"));
                    draft.DestinationPort = EventFieldParser.Port(record.GetField("IpPort"));
                    break;

                case 4672:
                    draft.Kind = EventKind.PrivilegedLogon;
                    draft.User = SubjectAccount(record);
                    draft.Details = EventFieldParser.Text(record.GetField("PrivilegeList"));
                    break;

                case 4697:
                    draft.Kind = EventKind.ServiceInstall;
                    draft.User = SubjectAccount(record);
                    draft.ProcessId = EventFieldParser.ProcessId(record.GetField("ClientProcessId"));
                    draft.TargetName = EventFieldParser.Name(record.GetField("ServiceName"));
                    draft.TargetPath = EventFieldParser.Name(record.GetField("ServiceFileName"));
                    draft.Details = EventFieldParser.Text(record.GetField("ServiceAccount"));
                    break;

                case 4698: // created
                case 4699: // deleted
                case 4700: // enabled
                case 4701: // disabled
                case 4702: // updated
                    draft.Kind = EventKind.ScheduledTask;
                    draft.User = SubjectAccount(record);
                    draft.ProcessId = EventFieldParser.ProcessId(record.GetField("ClientProcessId"));
                    draft.TargetName = EventFieldParser.Name(record.GetField("TaskName"));
                    draft.Details = EventFieldParser.Text(record.GetField(record.EventId == 4702 ? "TaskContentNew" : "TaskContent"));
                    break;

                case 4720: // created
                case 4722: // enabled
                case 4724: // password reset
                case 4725: // disabled
                case 4726: // deleted
                case 4738: // changed
                    draft.Kind = EventKind.AccountChange;
                    draft.User = SubjectAccount(record);
                    draft.TargetName = TargetAccount(record);
                    break;

                case 4781:
                    // Account renamed: the new name is the account from now on, the old one is the detail.
                    draft.Kind = EventKind.AccountChange;
                    draft.User = SubjectAccount(record);
                    draft.TargetName = EventFieldParser.Account(record.GetField("TargetDomainName"), record.GetField("NewTargetUserName"));
                    draft.Details = EventFieldParser.Name(record.GetField("OldTargetUserName"));
                    break;

                case 4728: // global group, member added
                case 4729: // global group, member removed
                case 4732: // local group, member added
                case 4733: // local group, member removed
                case 4756: // universal group, member added
                case 4757: // universal group, member removed
                    // The group is the object acted upon; the member is what was added or removed.
                    draft.Kind = EventKind.GroupMembershipChange;
                    draft.User = SubjectAccount(record);
                    draft.TargetName = TargetAccount(record);
                    draft.Details = EventFieldParser.Name(record.GetField("MemberName")) ?? EventFieldParser.Name(record.GetField("MemberSid"));
                    break;

                case 5140: // share accessed
                case 5142: // share added
                case 5143: // share modified
                case 5144: // share deleted
                case 5145: // share object checked for access
                    MapShare(record, ref draft);
                    break;

                case 4768: // TGT requested
                case 4769: // service ticket requested
                case 4770: // service ticket renewed
                case 4771: // pre-authentication failed
                    // The requesting account is the actor; the service the ticket is for is the target.
                    draft.Kind = EventKind.KerberosTicket;
                    draft.User = TargetAccount(record);
                    draft.TargetName = EventFieldParser.Name(record.GetField("ServiceName"));
                    draft.Details = EventFieldParser.Text(record.GetField(record.EventId == 4771 ? "Status" : "TicketEncryptionType"));
                    draft.DestinationIp = EventFieldParser.IpAddress(record.GetField("IpAddress"));
                    draft.DestinationPort = EventFieldParser.Port(record.GetField("IpPort"));
                    break;

                case 4656: // handle requested
                case 4661: // handle to a SAM/directory object requested
                case 4663: // object accessed
                    draft.Kind = EventKind.ObjectAccess;
                    ReadObjectAccess(record, ref draft);
                    draft.Details = EventFieldParser.Text(record.GetField("AccessMask"));
                    break;

                case 4658:
                    // Handle closed: names only the handle and the process.
                    draft.Kind = EventKind.ObjectAccess;
                    ReadActorProcess(record, ref draft);
                    draft.User = SubjectAccount(record);
                    break;

                case 4662:
                    // Directory-service operation; Properties carries the control-access and
                    // property GUIDs that replication (DCSync) detection looks for.
                    draft.Kind = EventKind.ObjectAccess;
                    draft.User = SubjectAccount(record);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("ObjectName"));
                    draft.TargetName = EventFieldParser.Name(record.GetField("ObjectType"));
                    draft.Details = EventFieldParser.Text(record.GetField("Properties"));
                    break;

                case 4670:
                    // Permissions changed: the new security descriptor is the content.
                    draft.Kind = EventKind.ObjectAccess;
                    ReadObjectAccess(record, ref draft);
                    draft.Details = EventFieldParser.Text(record.GetField("NewSd"));
                    break;

                case 5136:
                    draft.Kind = EventKind.ObjectAccess;
                    draft.User = SubjectAccount(record);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("ObjectDN"));
                    draft.TargetName = EventFieldParser.Name(record.GetField("AttributeLDAPDisplayName"));
                    draft.Details = EventFieldParser.Text(record.GetField("AttributeValue"));
                    break;

                case 5137:
                    draft.Kind = EventKind.ObjectAccess;
                    draft.User = SubjectAccount(record);
                    draft.TargetPath = EventFieldParser.Name(record.GetField("ObjectDN"));
                    draft.TargetName = EventFieldParser.Name(record.GetField("ObjectClass"));
                    break;

                case 1102:
                    draft.Kind = EventKind.LogCleared;
                    draft.User = SubjectAccount(record) ?? AccountFromMessage(record.GetField("Message"));
                    draft.TargetName = SecurityChannel;
                    break;

                case 4657:
                    MapRegistryValue(record, ref draft);
                    break;

                default:
                    draft.Kind = EventKind.Other;
                    ReadActorProcess(record, ref draft);
                    draft.User = SubjectAccount(record);
                    break;
            }
        }

        public static void MapSystem(EventRecord record, ref EventDraft draft)
        {
            switch (record.EventId)
            {
                case 7045:
                    draft.Kind = EventKind.ServiceInstall;
                    draft.TargetName = EventFieldParser.Name(record.GetField("ServiceName"));
                    draft.TargetPath = EventFieldParser.Name(record.GetField("ImagePath"));
                    draft.Details = EventFieldParser.Text(record.GetField("AccountName"));
                    break;

                case 104:
                    // The cleared log's name is a UserData leaf called Channel; the recordings
                    // store it as UserData_Channel because it collides with the system key.
                    draft.Kind = EventKind.LogCleared;
                    draft.User = SubjectAccount(record);
                    draft.TargetName = EventFieldParser.Name(record.GetField("UserData_Channel") ?? record.GetField("Channel"));
                    draft.TargetPath = EventFieldParser.Name(record.GetField("BackupPath"));
                    break;

                default:
                    draft.Kind = EventKind.Other;
                    break;
            }
        }

        public static void MapTaskScheduler(EventRecord record, ref EventDraft draft)
        {
            switch (record.EventId)
            {
                case 106: // registered
                    draft.Kind = EventKind.ScheduledTask;
                    draft.TargetName = EventFieldParser.Name(record.GetField("TaskName"));
                    draft.User = EventFieldParser.Name(record.GetField("UserContext"));
                    break;

                case 140: // updated
                case 141: // deleted
                    draft.Kind = EventKind.ScheduledTask;
                    draft.TargetName = EventFieldParser.Name(record.GetField("TaskName"));
                    draft.User = EventFieldParser.Name(record.GetField("UserName"));
                    break;

                default:
                    draft.Kind = EventKind.Other;
                    break;
            }
        }

        private static void MapProcessStart(EventRecord record, ref EventDraft draft)
        {
            // In 4688 ProcessId is the creator (parent); NewProcessId is the new process.
            draft.Kind = EventKind.ProcessStart;
            draft.ProcessId = EventFieldParser.ProcessId(record.GetField("NewProcessId"));
            draft.Image = EventFieldParser.Name(record.GetField("NewProcessName"));
            draft.CommandLine = EventFieldParser.Text(record.GetField("CommandLine"));
            draft.ParentProcessId = EventFieldParser.ProcessId(record.GetField("ProcessId"));
            draft.ParentImage = EventFieldParser.Name(record.GetField("ParentProcessName"));

            // The Target* account is the new process's token; older systems leave it out or as "-".
            draft.User = TargetAccount(record) ?? SubjectAccount(record);
        }

        private static void MapLogon(EventRecord record, ref EventDraft draft)
        {
            bool succeeded = record.EventId == 4624;
            draft.Kind = succeeded ? EventKind.Logon : EventKind.LogonFailed;
            ReadActorProcess(record, ref draft);
            draft.User = SubjectAccount(record);
            draft.TargetName = TargetAccount(record);
            draft.LogonType = EventFieldParser.Integer(record.GetField("LogonType"));
            draft.DestinationIp = EventFieldParser.IpAddress(record.GetField("IpAddress"));
            draft.DestinationPort = EventFieldParser.Port(record.GetField("IpPort"));
            if (succeeded)
            {
                draft.Details = EventFieldParser.Text(record.GetField("AuthenticationPackageName"));
            }
            else
            {
                // SubStatus holds the precise reason (bad password, unknown user); Status is the summary.
                draft.Details = EventFieldParser.Name(record.GetField("SubStatus")) ?? EventFieldParser.Name(record.GetField("Status"));
            }
        }

        private static void MapShare(EventRecord record, ref EventDraft draft)
        {
            draft.Kind = EventKind.ShareAccess;
            draft.User = SubjectAccount(record);
            draft.TargetName = EventFieldParser.Name(record.GetField("ShareName"));
            draft.TargetPath = EventFieldParser.Name(record.GetField("RelativeTargetName")) ?? EventFieldParser.Name(record.GetField("ShareLocalPath"));
            draft.Details = EventFieldParser.Text(record.GetField("AccessMask"));
            draft.DestinationIp = EventFieldParser.IpAddress(record.GetField("IpAddress"));
            draft.DestinationPort = EventFieldParser.Port(record.GetField("IpPort"));
        }

        private static void MapRegistryValue(EventRecord record, ref EventDraft draft)
        {
            // OperationType %%1906 is "Registry value deleted"; %%1904 (created) and %%1905 (modified) set a value.
            string? operation = record.GetField("OperationType");
            draft.Kind = operation == "%%1906" ? EventKind.RegistryDelete : EventKind.RegistrySet;
            ReadActorProcess(record, ref draft);
            draft.User = SubjectAccount(record);

            string? key = EventFieldParser.Name(record.GetField("ObjectName"));
            string? valueName = EventFieldParser.Name(record.GetField("ObjectValueName"));
            draft.TargetPath = key is not null && valueName is not null ? key + "\\" + valueName : key;
            draft.Details = draft.Kind == EventKind.RegistrySet ? EventFieldParser.Text(record.GetField("NewValue")) : null;
        }

        private static void ReadObjectAccess(EventRecord record, ref EventDraft draft)
        {
            ReadActorProcess(record, ref draft);
            draft.User = SubjectAccount(record);
            draft.TargetPath = EventFieldParser.Name(record.GetField("ObjectName"));
            draft.TargetName = EventFieldParser.Name(record.GetField("ObjectType"));
        }

        private static void ReadActorProcess(EventRecord record, ref EventDraft draft)
        {
            draft.ProcessId = EventFieldParser.ProcessId(record.GetField("ProcessId"));
            draft.Image = EventFieldParser.Name(record.GetField("ProcessName"));
        }

        private static string? SubjectAccount(EventRecord record) =>
            EventFieldParser.Account(record.GetField("SubjectDomainName"), record.GetField("SubjectUserName"));

        private static string? TargetAccount(EventRecord record) =>
            EventFieldParser.Account(record.GetField("TargetDomainName"), record.GetField("TargetUserName"));

        // Collector exports that kept only the rendered message: "Account Name:\tx" / "Domain Name:\ty".
        private static string? AccountFromMessage(string? message)
        {
            if (message is null)
            {
                return null;
            }

            return EventFieldParser.Account(KeyValueText.Find(message, "Domain Name", ':'), KeyValueText.Find(message, "Account Name", ':'));
        }
    }
}
