using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Rules
{
    /// <summary>A compiled condition over one event.</summary>
    internal abstract class Matcher
    {
        public abstract bool IsMatch(BehaviorEvent e);
    }

    /// <summary>One test of a field value (a pattern, a regex, a CIDR range, a number).</summary>
    internal abstract class ValueTest
    {
        /// <summary>Tests a present value.</summary>
        public abstract bool Test(string value, BehaviorEvent e);
    }

    internal sealed class PatternTest : ValueTest
    {
        private readonly ValuePattern _pattern;

        public PatternTest(ValuePattern pattern) => _pattern = pattern;

        public ValuePattern Pattern => _pattern;

        public override bool Test(string value, BehaviorEvent e) => _pattern.IsMatch(value);
    }

    /// <summary>The forms one rule value takes (windash dashes, base64 offsets): any of them matches.</summary>
    internal sealed class AnyOfTest : ValueTest
    {
        public AnyOfTest(ValueTest[] forms) => Forms = forms;

        public ValueTest[] Forms { get; }

        public override bool Test(string value, BehaviorEvent e)
        {
            foreach (ValueTest form in Forms)
            {
                if (form.Test(value, e))
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal sealed class NumericTest : ValueTest
    {
        private readonly string _op;
        private readonly double _bound;

        public NumericTest(string op, double bound)
        {
            _op = op;
            _bound = bound;
        }

        public override bool Test(string value, BehaviorEvent e)
        {
            if (!TryNumber(value, out double n))
            {
                return false;
            }

            return _op switch
            {
                "lt" => n < _bound,
                "lte" => n <= _bound,
                "gt" => n > _bound,
                _ => n >= _bound,
            };
        }

        public static bool TryNumber(string text, out double value)
        {
            string t = text.Trim();
            if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(t.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long hex))
            {
                value = hex;
                return true;
            }

            return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    internal sealed class CidrTest : ValueTest
    {
        private readonly byte[] _network;
        private readonly int _prefix;

        private CidrTest(byte[] network, int prefix)
        {
            _network = network;
            _prefix = prefix;
        }

        public static CidrTest? Parse(string cidr)
        {
            string[] parts = cidr.Split('/');
            if (!IPAddress.TryParse(parts[0], out IPAddress? address))
            {
                return null;
            }

            byte[] bytes = address.GetAddressBytes();
            int prefix = bytes.Length * 8;
            if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bytes.Length * 8))
            {
                return null;
            }

            return parts.Length > 2 ? null : new CidrTest(bytes, prefix);
        }

        public override bool Test(string value, BehaviorEvent e)
        {
            string text = value.StartsWith("::ffff:", StringComparison.OrdinalIgnoreCase) && _network.Length == 4 ? value.Substring(7) : value;
            if (!IPAddress.TryParse(text, out IPAddress? address))
            {
                return false;
            }

            byte[] bytes = address.GetAddressBytes();
            if (bytes.Length != _network.Length)
            {
                return false;
            }

            int full = _prefix / 8;
            for (int i = 0; i < full; i++)
            {
                if (bytes[i] != _network[i])
                {
                    return false;
                }
            }

            int rest = _prefix % 8;
            if (rest == 0)
            {
                return true;
            }

            int mask = 0xFF << (8 - rest) & 0xFF;
            return (bytes[full] & mask) == (_network[full] & mask);
        }
    }

    internal sealed class FieldRefTest : ValueTest
    {
        private readonly FieldReader _other;
        private readonly bool _cased;

        public FieldRefTest(FieldReader other, bool cased)
        {
            _other = other;
            _cased = cased;
        }

        public override bool Test(string value, BehaviorEvent e)
        {
            string? other = _other(e);
            return other is not null && string.Equals(value, other, _cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>A field and its values: any value matches (or all, with the <c>all</c> modifier).</summary>
    internal sealed class FieldMatcher : Matcher
    {
        private readonly FieldReader _reader;
        private readonly ValueTest[] _tests;
        private readonly bool _all;
        private readonly bool _matchNull;
        private readonly bool? _exists;

        public FieldMatcher(string field, string readerKey, FieldReader reader, ValueTest[] tests, bool all, bool matchNull, bool? exists)
        {
            Field = field;
            ReaderKey = readerKey;
            _reader = reader;
            _tests = tests;
            _all = all;
            _matchNull = matchNull;
            _exists = exists;
        }

        public string Field { get; }

        /// <summary>Identifies the reader: matchers with the same key read the same value from an event.</summary>
        public string ReaderKey { get; }

        public FieldReader Reader => _reader;

        public ValueTest[] Tests => _tests;

        public bool All => _all;

        /// <summary>True when the matcher can match an absent or empty value (null values, exists).</summary>
        public bool AcceptsMissing => _matchNull || _exists.HasValue;

        public override bool IsMatch(BehaviorEvent e)
        {
            string? value = _reader(e);
            if (_exists.HasValue)
            {
                return _exists.Value == !string.IsNullOrEmpty(value);
            }

            if (value is null || value.Length == 0)
            {
                if (_matchNull)
                {
                    return true;
                }

                if (value is null)
                {
                    return false;
                }
            }

            if (_all)
            {
                foreach (ValueTest test in _tests)
                {
                    if (!test.Test(value, e))
                    {
                        return false;
                    }
                }

                return _tests.Length > 0;
            }

            foreach (ValueTest test in _tests)
            {
                if (test.Test(value, e))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Values without a field: any of them found in any field value of the event.</summary>
    internal sealed class KeywordMatcher : Matcher
    {
        private readonly ValueTest[] _tests;
        private readonly bool _all;

        public KeywordMatcher(ValueTest[] tests, bool all)
        {
            _tests = tests;
            _all = all;
        }

        public ValueTest[] Tests => _tests;

        public bool All => _all;

        public override bool IsMatch(BehaviorEvent e)
        {
            if (_all)
            {
                foreach (ValueTest test in _tests)
                {
                    if (!AnyField(test, e))
                    {
                        return false;
                    }
                }

                return true;
            }

            foreach (ValueTest test in _tests)
            {
                if (AnyField(test, e))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool AnyField(ValueTest test, BehaviorEvent e)
        {
            IReadOnlyList<KeyValuePair<string, string>> fields = e.Fields;
            for (int i = 0; i < fields.Count; i++)
            {
                if (test.Test(fields[i].Value, e))
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal sealed class AndMatcher : Matcher
    {
        public AndMatcher(Matcher[] parts) => Parts = parts;

        public Matcher[] Parts { get; }

        public override bool IsMatch(BehaviorEvent e)
        {
            foreach (Matcher part in Parts)
            {
                if (!part.IsMatch(e))
                {
                    return false;
                }
            }

            return true;
        }
    }

    internal sealed class OrMatcher : Matcher
    {
        public OrMatcher(Matcher[] parts) => Parts = parts;

        public Matcher[] Parts { get; }

        public override bool IsMatch(BehaviorEvent e)
        {
            foreach (Matcher part in Parts)
            {
                if (part.IsMatch(e))
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal sealed class NotMatcher : Matcher
    {
        private readonly Matcher _inner;

        public NotMatcher(Matcher inner) => _inner = inner;

        public override bool IsMatch(BehaviorEvent e) => !_inner.IsMatch(e);
    }

    internal sealed class ConstantMatcher : Matcher
    {
        public static readonly ConstantMatcher False = new ConstantMatcher(false);

        private readonly bool _value;

        private ConstantMatcher(bool value) => _value = value;

        public override bool IsMatch(BehaviorEvent e) => _value;
    }
}
