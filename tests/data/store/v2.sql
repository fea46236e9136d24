-- A version-2 store written by the version-2 DetectionStore (DetectionFixtures.StoredInVersion2 and
-- ScansInVersion2, Full stored first with other evidence and then replaced), dumped by sqlite3 .dump.
-- Migration tests load it into an empty file and open it with the current code.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE detections (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    platform         TEXT    NOT NULL,
    tactic           TEXT    NOT NULL,
    techniques       TEXT    NOT NULL,
    score            REAL    NOT NULL,
    severity         TEXT    NOT NULL,
    action           TEXT    NOT NULL,
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
INSERT INTO detections VALUES('3f2c1b7e-9a4d-4c1e-8f00-5b6a7c8d9e01','Behavior:Win32/Persistence.RunKey!ml','Win32','Persistence','["T1547.001","T1112"]',0.93000000000000004884,'High','Blocked','WS-01','{a1b2c3d4-0000-0000-0000-000000000001}',4242,'C:\Windows\System32\reg.exe','reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v x /d "C:\Users\jürgen\payload.exe"','C:\Windows\System32\cmd.exe','CORP\jürgen','2024-05-01T10:00:00.1234567Z','2024-05-01T10:00:05.0000000Z','logs/ws01.jsonl','2024.05.1','7');
INSERT INTO detections VALUES('00000000-0000-0000-0000-00000000000a','Behavior:Linux/Generic.A1!rule','Win32','Generic','[]',0.0,'Informational','Audited','',NULL,NULL,NULL,NULL,NULL,NULL,'0001-01-01T00:00:00.0000000Z','0001-01-01T00:00:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0000-00000000000b','Behavior:Linux/Impact.Wipe!ml','Linux','Impact','["","T1485","quote \" back\\slash é ☃"]',0.33333333333333331482,'Critical','BlockFailed','','',0,'',replace('rm -rf / --no-preserve-root\n	''"','\n',char(10)),'','','0001-01-01T00:00:00.0000000Z','2024-06-02T09:30:00.9999999Z','','','');
INSERT INTO detections VALUES('ffffffff-ffff-ffff-ffff-ffffffffffff','Behavior:Win32/CommandAndControl.Beacon!rule','Win32','CommandAndControl','["T1071.001"]',0.0,'Informational','Excluded','ws-02.example.local',NULL,-1,NULL,NULL,NULL,NULL,'2024-06-02T08:30:00.0000000Z','2024-06-02T09:30:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000000','Behavior:Win32/Generic.Code!rule','Win32','Generic','["T1000"]',0.0,'Informational','Audited','host-0',NULL,0,NULL,NULL,NULL,NULL,'2024-06-02T09:30:00.0000000Z','2024-06-02T09:31:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000001','Behavior:Win32/InitialAccess.Code!rule','Linux','InitialAccess','["T1001"]',0.076923076923076927347,'Low','Blocked','host-1',NULL,1,NULL,NULL,NULL,NULL,'2024-06-02T09:31:00.0000000Z','2024-06-02T09:32:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000002','Behavior:Win32/Execution.Code!rule','Win32','Execution','["T1002"]',0.15384615384615385469,'Medium','BlockFailed','host-2',NULL,2,NULL,NULL,NULL,NULL,'2024-06-02T09:32:00.0000000Z','2024-06-02T09:33:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000003','Behavior:Win32/Persistence.Code!rule','Linux','Persistence','["T1003"]',0.23076923076923078204,'High','Excluded','host-3',NULL,3,NULL,NULL,NULL,NULL,'2024-06-02T09:33:00.0000000Z','2024-06-02T09:34:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000004','Behavior:Win32/PrivilegeEscalation.Code!rule','Win32','PrivilegeEscalation','["T1004"]',0.30769230769230770938,'Critical','Audited','host-4',NULL,4,NULL,NULL,NULL,NULL,'2024-06-02T09:34:00.0000000Z','2024-06-02T09:35:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000005','Behavior:Win32/DefenseEvasion.Code!rule','Linux','DefenseEvasion','["T1005"]',0.38461538461538463673,'Informational','Blocked','host-5',NULL,5,NULL,NULL,NULL,NULL,'2024-06-02T09:35:00.0000000Z','2024-06-02T09:36:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000006','Behavior:Win32/CredentialAccess.Code!rule','Win32','CredentialAccess','["T1006"]',0.46153846153846156408,'Low','BlockFailed','host-6',NULL,6,NULL,NULL,NULL,NULL,'2024-06-02T09:36:00.0000000Z','2024-06-02T09:37:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000007','Behavior:Win32/Discovery.Code!rule','Linux','Discovery','["T1007"]',0.53846153846153843591,'Medium','Excluded','host-7',NULL,7,NULL,NULL,NULL,NULL,'2024-06-02T09:37:00.0000000Z','2024-06-02T09:38:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000008','Behavior:Win32/LateralMovement.Code!rule','Win32','LateralMovement','["T1008"]',0.61538461538461541877,'High','Audited','host-8',NULL,8,NULL,NULL,NULL,NULL,'2024-06-02T09:38:00.0000000Z','2024-06-02T09:39:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-000000000009','Behavior:Win32/Collection.Code!rule','Linux','Collection','["T1009"]',0.69230769230769229061,'Critical','Blocked','host-9',NULL,9,NULL,NULL,NULL,NULL,'2024-06-02T09:39:00.0000000Z','2024-06-02T09:40:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-00000000000a','Behavior:Win32/CommandAndControl.Code!rule','Win32','CommandAndControl','["T1010"]',0.76923076923076927347,'Informational','BlockFailed','host-10',NULL,10,NULL,NULL,NULL,NULL,'2024-06-02T09:40:00.0000000Z','2024-06-02T09:41:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-00000000000b','Behavior:Win32/Exfiltration.Code!rule','Linux','Exfiltration','["T1011"]',0.8461538461538461453,'Low','Excluded','host-11',NULL,11,NULL,NULL,NULL,NULL,'2024-06-02T09:41:00.0000000Z','2024-06-02T09:42:00.0000000Z',NULL,NULL,NULL);
INSERT INTO detections VALUES('00000000-0000-0000-0001-00000000000c','Behavior:Win32/Impact.Code!rule','Win32','Impact','["T1012"]',0.92307692307692312816,'Medium','Audited','host-12',NULL,12,NULL,NULL,NULL,NULL,'2024-06-02T09:42:00.0000000Z','2024-06-02T09:43:00.0000000Z',NULL,NULL,NULL);
CREATE TABLE evidence (
    detection_id TEXT    NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    evidence_id  TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    time         TEXT,
    PRIMARY KEY (detection_id, ordinal)
);
INSERT INTO evidence VALUES('00000000-0000-0000-0000-00000000000b',0,'response','kill','',NULL);
INSERT INTO evidence VALUES('00000000-0000-0000-0000-00000000000b',1,'event','Sysmon/1#7','exec ☃ ["x"]','2024-06-02T09:30:00.0000000Z');
INSERT INTO evidence VALUES('ffffffff-ffff-ffff-ffff-ffffffffffff',0,'indicator','sha256:ab','known beacon','2024-06-02T09:25:00.0000000Z');
INSERT INTO evidence VALUES('3f2c1b7e-9a4d-4c1e-8f00-5b6a7c8d9e01',0,'rule','persistence_run_key','Run key written','2024-05-01T10:00:01.0000000Z');
INSERT INTO evidence VALUES('3f2c1b7e-9a4d-4c1e-8f00-5b6a7c8d9e01',1,'feature','reg_run_writes','1 Run-key write',NULL);
CREATE TABLE scans (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    started     TEXT    NOT NULL,
    finished    TEXT    NOT NULL,
    inputs      TEXT    NOT NULL,
    files       INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    malformed   INTEGER NOT NULL,
    detections  INTEGER NOT NULL
);
INSERT INTO scans VALUES(1,'2024-06-02T09:30:00.0000000Z','2024-06-02T09:30:12.5000001Z','["C:\\logs\\ws01.jsonl","logs/dir","jürgen \"x\".jsonl"]',3,12000,2,4);
INSERT INTO scans VALUES(2,'2024-06-03T09:30:00.0000000Z','2024-06-03T09:30:00.0000000Z','[]',0,0,0,0);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('scans',2);
CREATE INDEX ix_detections_last_seen ON detections (last_seen, id);
CREATE INDEX ix_detections_first_seen ON detections (first_seen);
CREATE INDEX ix_detections_tactic ON detections (tactic, last_seen, id);
CREATE INDEX ix_detections_host_process_guid ON detections (host COLLATE NOCASE, process_guid);
CREATE INDEX ix_detections_host_process_id ON detections (host COLLATE NOCASE, process_id);
CREATE INDEX ix_detections_process_guid ON detections (process_guid);
COMMIT;
PRAGMA user_version = 2;
