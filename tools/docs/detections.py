#!/usr/bin/env python3
"""Regenerates docs/detections.md from the built-in rule pack (module/rules/*.yml, module/rules/linux/*.yml).

Run from the repository root: python3 tools/docs/detections.py
Needs only the Python standard library (rule files are read with a small reader of the
top-level keys this project's rules use, not a YAML library).
"""
import glob
import os
import re
import sys

TACTICS = [
    ("initial_access", "InitialAccess", "TA0001"), ("execution", "Execution", "TA0002"),
    ("persistence", "Persistence", "TA0003"), ("privilege_escalation", "PrivilegeEscalation", "TA0004"),
    ("defense_evasion", "DefenseEvasion", "TA0005"), ("credential_access", "CredentialAccess", "TA0006"),
    ("discovery", "Discovery", "TA0007"), ("lateral_movement", "LateralMovement", "TA0008"),
    ("collection", "Collection", "TA0009"), ("command_and_control", "CommandAndControl", "TA0011"),
    ("exfiltration", "Exfiltration", "TA0010"), ("impact", "Impact", "TA0040"),
]

# SigmaHQ's current spellings: hyphens, and Defense Evasion split into Stealth and Defense Impairment.
TACTIC_ALIASES = {"stealth": "defense_evasion", "defense_impairment": "defense_evasion"}


def scalar(text, key):
    m = re.search(r"^%s:\s*(.+)$" % re.escape(key), text, re.M)
    if not m:
        return ""
    value = m.group(1).strip()
    if value in (">-", ">", "|", "|-"):
        block = re.search(r"^%s:\s*[>|]-?\n((?:[ \t]+.*\n?)+)" % re.escape(key), text, re.M)
        return " ".join(line.strip() for line in block.group(1).splitlines()) if block else ""
    return value.strip("'\"")


def rules(root):
    paths = glob.glob(os.path.join(root, "module", "rules", "*.yml")) + glob.glob(os.path.join(root, "module", "rules", "linux", "*.yml"))
    for path in sorted(paths):
        # A file may hold evidence rules and a correlation over them, as YAML documents split by '---'.
        for text in re.split(r"^---\s*$", open(path, encoding="utf-8").read(), flags=re.M):
            if re.search(r"^id:", text, re.M):
                yield describe(root, path, text)


def describe(root, path, text):
        variant = re.search(r"^behaviorblocking:\s*\n\s+variant:\s*(\S+)", text, re.M)
        tags = re.findall(r"^\s+-\s+(attack\.\S+)", text, re.M)
        product = re.search(r"^\s+product:\s*(\S+)", text, re.M)
        logsource = re.search(r"^logsource:\s*\n((?:\s+\S.*\n)+)", text, re.M)
        source = "correlation" if re.search(r"^correlation:", text, re.M) else ""
        if logsource:
            m = re.search(r"(category|service):\s*(\S+)", logsource.group(1))
            source = m.group(2) if m else ""
        return {
            "file": os.path.relpath(path, os.path.join(root, "module", "rules")).replace(os.sep, "/"),
            "platform": "Linux" if (product and product.group(1) == "linux") or "/linux/" in path.replace(os.sep, "/") else "Win32",
            "title": scalar(text, "title"),
            "level": scalar(text, "level"),
            "variant": variant.group(1) if variant else "",
            "tactic": next((TACTIC_ALIASES.get(t[7:].replace("-", "_"), t[7:].replace("-", "_")) for t in tags if not re.match(r"attack\.t\d", t)), ""),
            "techniques": [t[7:].upper() for t in tags if re.match(r"attack\.t\d", t)],
            "logsource": source,
        }


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    all_rules = list(rules(root))
    out = [
        "# Detections",
        "",
        "Every detection is named `Behavior:<Platform>/<Tactic>.<Variant>!<source>`:",
        "",
        "- **Platform**: `Win32` or `Linux`, where the behavior was seen. Rules of `module/rules/linux/` match",
        "  only Linux telemetry and the others only Windows telemetry, so a variant's platform column says",
        "  which name it appears under.",
        "- **Tactic**: the MITRE ATT&CK tactic of the strongest evidence; `Generic` for uncategorized behavior.",
        "- **Variant**: a stable short code for the behavior, listed below. A detection takes the variant of",
        "  its strongest rule (highest level; the first to match among equals). Rules loaded with",
        "  `--rules` that do not name a variant get `R` and 8 hex digits of a hash of their id.",
        "- **source**: `!ml` when the classifier produced the verdict, `!rule` when rules alone did. Linux",
        "  detections are always `!rule`: the shipped model was trained on Windows trees (docs/model.md).",
        "",
        "Per process tree (or per host, for events without a process) and tactic there is at most one",
        "open detection; further matches add evidence. Its score combines the levels of the distinct",
        "rules that matched, 1 − Π(1 − weight) with informational 0.1, low 0.3, medium 0.5, high 0.75,",
        "critical 0.9; a detection is raised at 0.3. Severity follows the score: Low from 0.3, Medium",
        "from 0.5, High from 0.75, Critical from 0.9 — two medium rules in one tree make a High.",
        "",
        "This page is generated from `module/rules/` by `python3 tools/docs/detections.py`; a test fails",
        "when a variant of the pack is missing here.",
        "",
    ]
    for key, name, code in TACTICS:
        subset = [r for r in all_rules if r["tactic"] == key]
        out.append("## %s (%s) — %d rules" % (name, code, len(subset)))
        out.append("")
        out.append("| variant | platform | level | techniques | logsource | rule |")
        out.append("|---|---|---|---|---|---|")
        for r in sorted(subset, key=lambda r: (r["platform"] != "Win32", r["variant"].lower(), r["file"])):
            out.append("| `%s` | %s | %s | %s | %s | %s (`%s`) |" % (
                r["variant"], r["platform"], r["level"], ", ".join(r["techniques"]), r["logsource"], r["title"].replace("|", "\\|"), r["file"]))
        out.append("")
    with open(os.path.join(root, "docs", "detections.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out))
    print("docs/detections.md: %d rules (%d Linux)" % (len(all_rules), sum(1 for r in all_rules if r["platform"] == "Linux")), file=sys.stderr)


if __name__ == "__main__":
    main()
