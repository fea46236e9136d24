#!/usr/bin/python3
"""Trains the process-tree classifier and exports it as ONNX.

    /usr/bin/python3 tools/train/train.py [--corpus ../shared/datasets] [--features FILE]

1. Features: runs `behaviorblock features` over the labeled corpus (or reads --features), so
   training sees exactly the vectors the engine computes at run time.
2. Cross-validation grouped by recording (a recording is never split between train and test).
3. Final model on all labeled trees; exported by hand as an ai.onnx.ml TreeEnsembleClassifier
   (softmax over per-class scores, probabilities as a plain [rows, classes] tensor, no ZipMap).
4. Writes module/models/behavior.onnx with its manifest behavior.json (version, feature schema
   and names, classes, benign medians, SHA-256), tests/data/models/behavior.reference.json (rows with the
   probabilities scikit-learn gave them, for the runtime test) and out/train/report.json (the
   cross-validation figures docs/model.md quotes).

Needs Debian's python3-sklearn, python3-numpy and python3-onnx (installed with apt when missing
and running as root). Seeds are fixed and rows sorted, so retraining gives the same bytes.
"""
import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 20261122
MIN_TREES_PER_CLASS = 8


def ensure_packages():
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError:
        if os.geteuid() != 0:
            sys.exit("train: needs python3-sklearn python3-numpy python3-onnx (apt-get install them as root)")
        subprocess.check_call(["apt-get", "update", "-qq"])
        subprocess.check_call(["apt-get", "install", "-y", "-qq", "python3-sklearn", "python3-numpy", "python3-onnx"])


def make_features(corpus, out):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = ["dotnet", "run", "--project", os.path.join(ROOT, "src", "BehaviorBlocking.Cli"), "-c", "Release", "--",
           "features", "--corpus", corpus, "--out", out]
    subprocess.check_call(cmd)


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        names = header[6:]
        rows = [r for r in reader if r[4]]
    rows.sort(key=lambda r: (r[0], int(r[1])))
    return names, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(os.path.dirname(ROOT), "shared", "datasets"))
    parser.add_argument("--features", default=None)
    parser.add_argument("--out", default=os.path.join(ROOT, "module", "models", "behavior.onnx"))
    args = parser.parse_args()
    ensure_packages()
    import numpy as np
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import GroupKFold

    features_csv = args.features or os.path.join(ROOT, "out", "train", "features.csv")
    if not args.features:
        make_features(args.corpus, features_csv)
    names, rows = load(features_csv)

    # Tactics with too few trees to learn from are trained as Generic.
    counts = {}
    for r in rows:
        counts[r[4]] = counts.get(r[4], 0) + 1
    def cls(label):
        return label if label == "Benign" or counts[label] >= MIN_TREES_PER_CLASS else "Generic"
    labels = [cls(r[4]) for r in rows]
    classes = ["Benign"] + sorted(set(labels) - {"Benign"})
    index = {c: i for i, c in enumerate(classes)}
    X = np.array([[float(v) for v in r[6:]] for r in rows], dtype=np.float32)
    y = np.array([index[l] for l in labels])
    groups = np.array([r[0] for r in rows])
    # Balance classes: benign background outnumbers every tactic by far.
    weight_of = {c: len(y) / (len(classes) * np.sum(y == i)) for c, i in index.items()}
    w = np.array([weight_of[classes[i]] for i in y])

    def model():
        return GradientBoostingClassifier(n_estimators=60, max_depth=3, learning_rate=0.15, subsample=1.0, random_state=SEED)

    # Grouped cross-validation.
    folds = GroupKFold(n_splits=5)
    predicted = np.zeros(len(y), dtype=int)
    proba = np.zeros((len(y), len(classes)))
    for train, test in folds.split(X, y, groups):
        m = model()
        m.fit(X[train], y[train], sample_weight=w[train])
        p = np.zeros((len(test), len(classes)))
        p[:, m.classes_] = m.predict_proba(X[test])
        proba[test] = p
        predicted[test] = p.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(y, predicted, labels=list(range(len(classes))), zero_division=0)
    per_class = [{"class": c, "precision": round(float(precision[i]), 3), "recall": round(float(recall[i]), 3),
                  "f1": round(float(f1[i]), 3), "trees": int(support[i])} for i, c in enumerate(classes)]
    # Calibration: reliability of the top probability in bins, and the multi-class Brier score.
    onehot = np.eye(len(classes))[y]
    brier = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    top = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y)
    bins = []
    for lo in [0.0, 0.5, 0.7, 0.8, 0.9, 0.95]:
        hi = {0.0: 0.5, 0.5: 0.7, 0.7: 0.8, 0.8: 0.9, 0.9: 0.95, 0.95: 1.01}[lo]
        sel = (top >= lo) & (top < hi)
        if sel.any():
            bins.append({"range": [lo, min(hi, 1.0)], "trees": int(sel.sum()), "mean_confidence": round(float(top[sel].mean()), 3),
                         "accuracy": round(float(correct[sel].mean()), 3)})
    attack = y != index["Benign"]
    flagged = predicted != index["Benign"]
    summary = {
        "trees": int(len(y)), "recordings": int(len(set(groups))), "classes": classes, "per_class": per_class,
        "attack_recall": round(float((flagged & attack).sum() / max(1, attack.sum())), 3),
        "benign_false_positive_rate": round(float((flagged & ~attack).sum() / max(1, (~attack).sum())), 4),
        "brier": round(brier, 4), "calibration": bins,
    }

    final = model()
    final.fit(X, y, sample_weight=w)
    version = export(final, classes, names, args.out)
    medians = [float(v) for v in np.median(X[y == index["Benign"]], axis=0)]
    schema = feature_schema_version()
    manifest = {
        "version": version, "featureSchema": int(schema), "features": names, "classes": classes,
        "benignMedians": medians, "sha256": hashlib.sha256(open(args.out, "rb").read()).hexdigest(),
        "trainedOn": {"trees": int(len(y)), "recordings": int(len(set(groups)))},
    }
    with open(os.path.splitext(args.out)[0] + ".json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=1)
    # Reference rows: one per class where possible, with scikit-learn's probabilities.
    reference = []
    for i, c in enumerate(classes):
        idx = np.where(y == i)[0][:2]
        for j in idx:
            p = np.zeros(len(classes))
            p[final.classes_] = final.predict_proba(X[j:j + 1])[0]
            reference.append({"class": c, "features": [float(v) for v in X[j]], "probabilities": [float(v) for v in p]})
    os.makedirs(os.path.join(ROOT, "tests", "data", "models"), exist_ok=True)
    with open(os.path.join(ROOT, "tests", "data", "models", "behavior.reference.json"), "w", encoding="utf-8") as f:
        json.dump({"classes": classes, "rows": reference}, f, indent=1)
    os.makedirs(os.path.join(ROOT, "out", "train"), exist_ok=True)
    with open(os.path.join(ROOT, "out", "train", "report.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    digest = hashlib.sha256(open(args.out, "rb").read()).hexdigest()
    print(json.dumps(summary, indent=1))
    print("model: %s sha256 %s" % (args.out, digest), file=sys.stderr)


def export(model, classes, names, path):
    """Writes a fitted multi-class GradientBoostingClassifier as an ai.onnx.ml TreeEnsembleClassifier."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    lr = model.learning_rate
    nodes = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
                             "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true", "nodes_hitrates"]}
    targets = {k: [] for k in ["class_treeids", "class_nodeids", "class_ids", "class_weights"]}
    tree_id = 0
    for stage in model.estimators_:
        for k, estimator in enumerate(stage):
            t = estimator.tree_
            for n in range(t.node_count):
                leaf = t.children_left[n] == -1
                nodes["nodes_treeids"].append(tree_id)
                nodes["nodes_nodeids"].append(n)
                nodes["nodes_featureids"].append(0 if leaf else int(t.feature[n]))
                nodes["nodes_values"].append(0.0 if leaf else float(t.threshold[n]))
                # scikit-learn sends x <= threshold left.
                nodes["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
                nodes["nodes_truenodeids"].append(0 if leaf else int(t.children_left[n]))
                nodes["nodes_falsenodeids"].append(0 if leaf else int(t.children_right[n]))
                nodes["nodes_missing_value_tracks_true"].append(0)
                nodes["nodes_hitrates"].append(1.0)
                if leaf:
                    targets["class_treeids"].append(tree_id)
                    targets["class_nodeids"].append(n)
                    targets["class_ids"].append(k)
                    targets["class_weights"].append(float(t.value[n][0][0]) * lr)
            tree_id += 1
    base = model._raw_predict_init(np.zeros((1, model.n_features_in_), dtype=np.float32))[0]
    node = helper.make_node(
        "TreeEnsembleClassifier", ["features"], ["label", "probabilities"], domain="ai.onnx.ml",
        classlabels_int64s=list(range(len(classes))), post_transform="SOFTMAX", base_values=[float(v) for v in base],
        **nodes, **targets)
    graph = helper.make_graph(
        [node], "behavior",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, len(names)])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(classes)])])
    m = helper.make_model(graph, producer_name="behaviorblocking-train", producer_version="1",
                          opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    m.ir_version = 8
    version = "1." + hashlib.sha256(m.graph.SerializeToString()).hexdigest()[:12]
    helper.set_model_props(m, {
        "behaviorblocking.feature_schema": feature_schema_version(),
        "behaviorblocking.classes": ",".join(classes),
        "behaviorblocking.model_version": version,
    })
    onnx.checker.check_model(m)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    return version


def feature_schema_version():
    with open(os.path.join(ROOT, "src", "BehaviorBlocking.Core", "Features", "FeatureSchema.cs"), encoding="utf-8") as f:
        for line in f:
            if "public const int Version" in line:
                return line.split("=")[1].strip().rstrip(";")
    sys.exit("train: FeatureSchema.Version not found")


if __name__ == "__main__":
    main()
