using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// Rule YAML as plain values: <see cref="YamlMap"/> (ordered keys), lists, strings (scalars as
    /// written, so <c>0x1010</c> and <c>4688</c> stay text) and null. Built from the parser's event
    /// stream with an explicit stack (no recursion on input), within <see cref="RuleLimits"/>: nesting
    /// depth, nodes and scalar characters per document, counted with aliases expanded, and no alias
    /// may refer to a node that contains it. A document past a limit is refused with the line where it
    /// went past, and reading stops there: the parser's cost of skipping to the document's end is not
    /// bounded (100,000 nested brackets take it a minute), so a file's later documents are not read.
    /// The documents before it load.
    /// </summary>
    internal static class YamlTree
    {
        /// <summary>Reads every document of a YAML text; a syntax error throws <see cref="YamlException"/>.</summary>
        public static List<YamlTreeDocument> LoadDocuments(string text)
        {
            var parser = new Parser(new StringReader(text));
            var documents = new List<YamlTreeDocument>();
            while (parser.MoveNext())
            {
                if (parser.Current is DocumentStart start)
                {
                    YamlTreeDocument document = new DocumentBuilder(Line(start.Start)).Read(parser);
                    documents.Add(document);
                    if (document.Refusal is not null)
                    {
                        break;
                    }
                }
            }

            return documents;
        }

        private static int Line(Mark mark) => mark.Line > int.MaxValue ? int.MaxValue : (int)mark.Line;

        /// <summary>Builds one document; keeps sizes per open node so an anchored node's expanded size is known when an alias repeats it.</summary>
        private sealed class DocumentBuilder
        {
            private readonly int _line;
            private readonly List<Frame> _stack = new List<Frame>();
            private readonly Dictionary<string, Anchored> _anchors = new Dictionary<string, Anchored>(StringComparer.Ordinal);
            private readonly HashSet<string> _openAnchors = new HashSet<string>(StringComparer.Ordinal);
            private object? _root;
            private long _nodes;
            private long _characters;
            private string? _id;

            public DocumentBuilder(int line) => _line = line;

            public YamlTreeDocument Read(IParser parser)
            {
                while (parser.MoveNext())
                {
                    ParsingEvent current = parser.Current!;
                    if (current is DocumentEnd)
                    {
                        break;
                    }

                    try
                    {
                        Apply(current);
                    }
                    catch (RuleLimitException ex)
                    {
                        return new YamlTreeDocument(null, ex.Line, _id, ex.Message + " (reading of the file stopped there)", _nodes, _characters);
                    }
                }

                return new YamlTreeDocument(_root, _line, _id, null, _nodes, _characters);
            }

            private void Apply(ParsingEvent current)
            {
                switch (current)
                {
                    case Scalar scalar:
                        Count(1, scalar.Value.Length, 1, scalar.Start);
                        object? value = IsNull(scalar) ? null : scalar.Value;
                        Remember(scalar.Anchor, value, 1, scalar.Value.Length, 1);
                        Add(value, scalar.Value, scalar.Start);
                        break;
                    case SequenceStart sequence:
                        Open(new List<object?>(), sequence.Anchor, sequence.Start);
                        break;
                    case MappingStart mapping:
                        Open(new YamlMap(), mapping.Anchor, mapping.Start);
                        break;
                    case SequenceEnd _:
                    case MappingEnd _:
                        Close();
                        break;
                    case AnchorAlias alias:
                        string name = alias.Value.IsEmpty ? string.Empty : alias.Value.Value;
                        if (_openAnchors.Contains(name))
                        {
                            throw new RuleLimitException($"alias '*{name}' refers to a node that contains it (a cycle)", Line(alias.Start));
                        }

                        if (!_anchors.TryGetValue(name, out Anchored anchored))
                        {
                            throw new RuleLimitException($"alias '*{name}' refers to no anchor before it", Line(alias.Start));
                        }

                        Count(anchored.Nodes, anchored.Characters, anchored.Height, alias.Start);
                        Add(anchored.Value, anchored.Value as string, alias.Start);
                        break;
                }
            }

            private static bool IsNull(Scalar scalar) => scalar.Style == ScalarStyle.Plain
                && (scalar.Value.Length == 0 || scalar.Value == "~" || scalar.Value == "null" || scalar.Value == "Null" || scalar.Value == "NULL");

            /// <summary>Counts a node (or an alias's expansion) at the current depth against the document's limits.</summary>
            private void Count(long nodes, long characters, int height, Mark where)
            {
                _nodes += nodes;
                _characters += characters;
                if (_stack.Count + height > RuleLimits.MaxYamlDepth)
                {
                    throw new RuleLimitException($"YAML nested deeper than {RuleLimits.MaxYamlDepth} levels", Line(where));
                }

                if (_nodes > RuleLimits.MaxNodesPerRule)
                {
                    throw new RuleLimitException($"more than {RuleLimits.MaxNodesPerRule.ToString("N0", CultureInfo.InvariantCulture)} YAML nodes (aliases expanded)", Line(where));
                }

                if (_characters > RuleLimits.MaxCharactersPerRule)
                {
                    throw new RuleLimitException($"more than {RuleLimits.MaxCharactersPerRule.ToString("N0", CultureInfo.InvariantCulture)} characters of values (aliases expanded)", Line(where));
                }

                foreach (Frame frame in _stack)
                {
                    frame.Nodes += nodes;
                    frame.Characters += characters;
                }

                if (_stack.Count > 0)
                {
                    Frame parent = _stack[_stack.Count - 1];
                    parent.Height = Math.Max(parent.Height, height + 1);
                }
            }

            private void Open(object container, AnchorName anchor, Mark where)
            {
                Count(1, 0, 1, where);
                if (_stack.Count > 0 && _stack[_stack.Count - 1].AwaitingKey)
                {
                    throw new RuleLimitException("a mapping key is not a scalar", Line(where));
                }

                string? name = anchor.IsEmpty ? null : anchor.Value;
                if (name is not null)
                {
                    _openAnchors.Add(name);
                }

                _stack.Add(new Frame(container, name, where));
            }

            private void Close()
            {
                Frame frame = _stack[_stack.Count - 1];
                _stack.RemoveAt(_stack.Count - 1);
                if (frame.Anchor is not null)
                {
                    _openAnchors.Remove(frame.Anchor);
                    _anchors[frame.Anchor] = new Anchored(frame.Container, frame.Nodes + 1, frame.Characters, frame.Height);
                }

                if (_stack.Count > 0)
                {
                    // Its own sizes were added to the parent as its children arrived; the node itself and its height now.
                    Frame parent = _stack[_stack.Count - 1];
                    parent.Height = Math.Max(parent.Height, frame.Height + 1);
                }

                Add(frame.Container, null, frame.Start);
            }

            private void Remember(AnchorName anchor, object? value, long nodes, long characters, int height)
            {
                if (!anchor.IsEmpty)
                {
                    _anchors[anchor.Value] = new Anchored(value, nodes, characters, height);
                }
            }

            /// <summary>Puts a finished node into its parent: a list item, a map key (the raw scalar text) or a map value.</summary>
            private void Add(object? value, string? keyText, Mark where)
            {
                if (_stack.Count == 0)
                {
                    _root = value;
                    return;
                }

                Frame parent = _stack[_stack.Count - 1];
                if (parent.Container is List<object?> list)
                {
                    list.Add(value);
                    return;
                }

                if (parent.AwaitingKey)
                {
                    if (value is not null && keyText is null)
                    {
                        throw new RuleLimitException("a mapping key is not a scalar", Line(where));
                    }

                    string key = keyText ?? string.Empty;
                    if (!parent.Keys!.Add(key))
                    {
                        throw new RuleLimitException($"key '{Shorten(key)}' appears twice in one mapping", Line(where));
                    }

                    parent.Key = key;
                    parent.AwaitingKey = false;
                    return;
                }

                ((YamlMap)parent.Container).Add(parent.Key!, value);
                if (_stack.Count == 1 && parent.Key == "id" && value is string id)
                {
                    _id = id;
                }

                parent.AwaitingKey = true;
            }

            private static string Shorten(string text) => text.Length <= 80 ? text : text.Substring(0, 80) + "...";

            private sealed class Frame
            {
                public Frame(object container, string? anchor, Mark start)
                {
                    Container = container;
                    Anchor = anchor;
                    Start = start;
                    if (container is YamlMap)
                    {
                        Keys = new HashSet<string>(StringComparer.Ordinal);
                        AwaitingKey = true;
                    }
                }

                public object Container { get; }

                public string? Anchor { get; }

                public Mark Start { get; }

                /// <summary>Keys seen so far (maps only): a duplicate is refused, and found without a scan.</summary>
                public HashSet<string>? Keys { get; }

                public bool AwaitingKey { get; set; }

                public string? Key { get; set; }

                /// <summary>Nodes below it, aliases expanded.</summary>
                public long Nodes { get; set; }

                public long Characters { get; set; }

                /// <summary>Levels from it to its deepest node (1 for an empty collection).</summary>
                public int Height { get; set; } = 1;
            }

            private readonly struct Anchored
            {
                public Anchored(object? value, long nodes, long characters, int height)
                {
                    Value = value;
                    Nodes = nodes;
                    Characters = characters;
                    Height = height;
                }

                public object? Value { get; }

                public long Nodes { get; }

                public long Characters { get; }

                public int Height { get; }
            }
        }
    }

    /// <summary>One document of a rule file: its tree, or why it was refused.</summary>
    internal sealed class YamlTreeDocument
    {
        public YamlTreeDocument(object? root, int line, string? id, string? refusal, long nodes, long characters)
        {
            Root = root;
            Line = line;
            Id = id;
            Refusal = refusal;
            Nodes = nodes;
            Characters = characters;
        }

        /// <summary>The tree (null for an empty or refused document).</summary>
        public object? Root { get; }

        /// <summary>The line it starts on, or for a refused one the line where it went past a limit.</summary>
        public int Line { get; }

        /// <summary>Its top-level <c>id</c>, when read before any refusal.</summary>
        public string? Id { get; }

        /// <summary>Why it was refused, or null.</summary>
        public string? Refusal { get; }

        /// <summary>YAML nodes, aliases expanded.</summary>
        public long Nodes { get; }

        /// <summary>Characters of scalars (keys and values), aliases expanded.</summary>
        public long Characters { get; }
    }

    /// <summary>A rule past one of the <see cref="RuleLimits"/>; carries the line when known (0 otherwise).</summary>
    internal sealed class RuleLimitException : Exception
    {
        public RuleLimitException(string reason, int line)
            : base(reason)
        {
            Line = line;
        }

        public int Line { get; }
    }

    /// <summary>A YAML mapping with its keys in document order.</summary>
    internal sealed class YamlMap
    {
        private readonly List<KeyValuePair<string, object?>> _entries = new List<KeyValuePair<string, object?>>();

        public IReadOnlyList<KeyValuePair<string, object?>> Entries => _entries;

        public void Add(string key, object? value) => _entries.Add(new KeyValuePair<string, object?>(key, value));

        public bool TryGet(string key, out object? value)
        {
            foreach (KeyValuePair<string, object?> entry in _entries)
            {
                if (string.Equals(entry.Key, key, StringComparison.Ordinal))
                {
                    value = entry.Value;
                    return true;
                }
            }

            value = null;
            return false;
        }

        public object? Get(string key) => TryGet(key, out object? value) ? value : null;

        public string? GetString(string key) => Get(key) as string;

        public YamlMap? GetMap(string key) => Get(key) as YamlMap;

        /// <summary>A string or a list of strings as a list; anything else as empty.</summary>
        public List<string> GetStrings(string key)
        {
            var result = new List<string>();
            switch (Get(key))
            {
                case string s:
                    result.Add(s);
                    break;
                case List<object?> list:
                    foreach (object? item in list)
                    {
                        if (item is string text)
                        {
                            result.Add(text);
                        }
                    }

                    break;
            }

            return result;
        }
    }
}
