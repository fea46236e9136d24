using System;
using System.Collections.Generic;
using System.IO;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// Rule YAML as plain values: <see cref="YamlMap"/> (ordered keys), lists, strings (scalars as
    /// written, so <c>0x1010</c> and <c>4688</c> stay text) and null.
    /// </summary>
    internal static class YamlTree
    {
        /// <summary>Reads every document of a YAML text.</summary>
        public static List<object?> LoadDocuments(string text)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            var documents = new List<object?>();
            foreach (YamlDocument document in stream.Documents)
            {
                documents.Add(Convert(document.RootNode));
            }

            return documents;
        }

        private static object? Convert(YamlNode node)
        {
            switch (node)
            {
                case YamlScalarNode scalar:
                    if (scalar.Style == ScalarStyle.Plain && (scalar.Value is null || scalar.Value == "~" || scalar.Value == "null" || scalar.Value == "Null" || scalar.Value == "NULL" || scalar.Value.Length == 0))
                    {
                        return null;
                    }

                    return scalar.Value ?? string.Empty;
                case YamlSequenceNode sequence:
                    var list = new List<object?>();
                    foreach (YamlNode child in sequence.Children)
                    {
                        list.Add(Convert(child));
                    }

                    return list;
                case YamlMappingNode mapping:
                    var map = new YamlMap();
                    foreach (KeyValuePair<YamlNode, YamlNode> entry in mapping.Children)
                    {
                        string key = entry.Key is YamlScalarNode k ? k.Value ?? string.Empty : entry.Key.ToString();
                        map.Add(key, Convert(entry.Value));
                    }

                    return map;
                default:
                    throw new InvalidDataException("unexpected YAML node " + node.NodeType);
            }
        }
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
