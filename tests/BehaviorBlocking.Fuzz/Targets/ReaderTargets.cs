using System;
using System.Collections.Generic;
using System.IO;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>
    /// The replay readers over raw bytes. Documented behaviour: nothing escapes <c>Next()</c>; a bad
    /// record is reported as a problem (with its line) and skipped, a cut or corrupt input ends the
    /// file with an <c>InputTruncated</c> problem.
    /// </summary>
    internal static class ReaderTargets
    {
        /// <summary>
        /// A small record limit, so inputs of a few kilobytes reach the too-large path too
        /// (the product's default is 16 MiB; the code path is the same).
        /// </summary>
        internal const int MaxRecordBytes = 4096;

        private static readonly string[] s_readerErrorIds = { ErrorIds.RecordMalformed, ErrorIds.RecordTooLarge, ErrorIds.RecordDuplicateKey, ErrorIds.InputTruncated, ErrorIds.InputCorrupt };

        public static void JsonLines(byte[] input) => ReadChecked(input, "fuzz.jsonl", oneRecordPerLine: true, out _);

        public static void EventXml(byte[] input) => ReadChecked(input, "fuzz.xml", oneRecordPerLine: false, out _);

        /// <summary>
        /// Reads every record of <paramref name="input"/> as the replay source would (format from the
        /// name, else the content), checking the reader's promises; <paramref name="problems"/> gets what it reported.
        /// </summary>
        internal static List<EventRecord> ReadChecked(byte[] input, string name, bool oneRecordPerLine, out List<ReplayProblem> problems)
        {
            var found = new List<ReplayProblem>();
            problems = found;
            var records = new List<EventRecord>();
            IRecordReader reader;
            try
            {
                reader = ReplayInputs.Open(new MemoryStream(input, writable: false), name, found.Add, new Utf8StringCache(), MaxRecordBytes);
            }
            catch (Exception ex) when (ex is IOException || ex is InvalidDataException)
            {
                // Documented: a file whose start cannot be read (corrupt gzip header while sniffing the
                // format) is reported by the replay source as InputUnreadable, and the scan goes on.
                return records;
            }


            // A reader that keeps returning records would never end a scan: bound it by the input size.
            long bound = IsGzip(input) ? long.MaxValue : input.Length + 1L;
            for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
            {
                records.Add(record);
                FuzzInvariantException.That(records.Count <= bound, $"the reader returned more records ({records.Count}) than the input has bytes");
            }

            FuzzInvariantException.That(reader.Next() is null, "Next() returned a record after it had returned null (end of input)");
            CheckRecords(name, input, records, found, oneRecordPerLine);
            return records;
        }

        internal static bool IsGzip(byte[] input) => input.Length >= 2 && input[0] == 0x1F && input[1] == 0x8B;

        /// <summary>Newlines in a plain (not gzip) input, plus one: no record or problem can be past this line.</summary>
        private static long LastLine(byte[] input)
        {
            long lines = 1;
            foreach (byte b in input)
            {
                if (b == (byte)'\n')
                {
                    lines++;
                }
            }

            return lines;
        }

        private static void CheckRecords(string name, byte[] input, List<EventRecord> records, List<ReplayProblem> problems, bool oneRecordPerLine)
        {
            bool plain = !IsGzip(input);
            long lastLine = plain ? LastLine(input) : long.MaxValue;
            long previous = 0;
            var recordLines = new HashSet<long>();
            foreach (EventRecord record in records)
            {
                FuzzInvariantException.That(record.SourceFile == name, $"record at line {record.SourceLine} names file '{record.SourceFile}', not '{name}'");
                FuzzInvariantException.That(record.SourceLine >= 1 && record.SourceLine <= lastLine, $"record line {record.SourceLine} is outside the input (1..{lastLine})");
                FuzzInvariantException.That(oneRecordPerLine ? record.SourceLine > previous : record.SourceLine >= previous,
                    $"record lines go backwards ({previous} then {record.SourceLine})");
                previous = record.SourceLine;
                recordLines.Add(record.SourceLine);
                FuzzInvariantException.That(record.Channel is not null && record.Provider is not null && record.Computer is not null,
                    $"record at line {record.SourceLine} has a null system value");
                FuzzInvariantException.That(record.Fields is not null, $"record at line {record.SourceLine} has no field list");
                foreach (KeyValuePair<string, string> field in record.Fields!)
                {
                    FuzzInvariantException.That(field.Key is not null && field.Value is not null, $"record at line {record.SourceLine} has a null field name or value");
                }
            }

            int recordProblems = 0;
            bool ended = false;
            foreach (ReplayProblem problem in problems)
            {
                FuzzInvariantException.That(!ended, "a problem was reported after the input was declared truncated");
                FuzzInvariantException.That(problem.File == name, $"problem names file '{problem.File}', not '{name}'");
                FuzzInvariantException.That(Array.IndexOf(s_readerErrorIds, problem.ErrorId) >= 0, $"problem has error id '{problem.ErrorId}', not one a reader reports");
                FuzzInvariantException.That(!string.IsNullOrWhiteSpace(problem.Message), $"problem {problem.ErrorId} at line {problem.Line} has no message");
                FuzzInvariantException.That(problem.Line >= 0 && problem.Line <= lastLine, $"problem line {problem.Line} is outside the input (0..{lastLine})");
                if (problem.ErrorId == ErrorIds.InputTruncated)
                {
                    ended = true;
                }
                else if (problem.ErrorId == ErrorIds.InputCorrupt)
                {
                    // A gzip member whose CRC-32 differs: about the file (line 0), reading goes on.
                    FuzzInvariantException.That(problem.Line == 0, $"{problem.ErrorId} names line {problem.Line}, not the file");
                }
                else if (problem.RecordKept)
                {
                    // A warning about a record that was read (its first value kept), not a skip.
                    FuzzInvariantException.That(!oneRecordPerLine || recordLines.Contains(problem.Line),
                        $"line {problem.Line} was reported as {problem.ErrorId} but returned no record");
                }
                else
                {
                    recordProblems++;
                    FuzzInvariantException.That(!oneRecordPerLine || !recordLines.Contains(problem.Line),
                        $"line {problem.Line} was both returned as a record and reported as {problem.ErrorId}");
                }
            }

            if (plain && oneRecordPerLine)
            {
                FuzzInvariantException.That(records.Count + recordProblems <= lastLine,
                    $"{records.Count} records and {recordProblems} record problems from {lastLine} lines");
            }
        }
    }
}
