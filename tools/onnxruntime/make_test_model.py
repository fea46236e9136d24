#!/usr/bin/python3
"""Writes the tiny ONNX classifier the Core tests run through ONNX Runtime.

tests/data/models/tiny-classifier.onnx          ai.onnx.ml TreeEnsembleClassifier, 4 float features,
                                                3 classes, 3 trees, no ZipMap: outputs `label`
                                                (int64 [N]) and `probabilities` (float [N, 3]).
tests/data/models/tiny-classifier-zipmap.onnx   the same trees followed by ZipMap (a sequence of
                                                maps), which the binding must refuse clearly.
tests/data/models/tiny-classifier.expected.json input rows with the label and probabilities worked
                                                out here by walking the trees below, not by ORT.

Needs Debian's python3-onnx (apt-get install python3-onnx); run from anywhere.
"""
import json
import os

from onnx import TensorProto, TypeProto, helper

FEATURES = 4
CLASSES = [0, 1, 2]

# Each tree: nodes as (node_id, feature, threshold, true_id, false_id) for branches, where the
# row goes to true_id when features[feature] <= threshold, and leaves as node_id -> weights
# per class. Weights are a third of a class distribution, so the sum over the three trees is a
# probability distribution (post_transform NONE), as a random forest exports.
TREES = [
    {
        "branches": [(0, 0, 0.5, 1, 2), (1, 1, 0.3, 3, 4), (2, 2, 0.7, 5, 6)],
        "leaves": {3: [0.9, 0.1, 0.0], 4: [0.2, 0.7, 0.1], 5: [0.1, 0.3, 0.6], 6: [0.0, 0.1, 0.9]},
    },
    {
        "branches": [(0, 3, 0.4, 1, 2), (1, 0, 0.2, 3, 4), (2, 1, 0.6, 5, 6)],
        "leaves": {3: [0.8, 0.2, 0.0], 4: [0.3, 0.5, 0.2], 5: [0.1, 0.2, 0.7], 6: [0.0, 0.6, 0.4]},
    },
    {
        "branches": [(0, 2, 0.45, 1, 2)],
        "leaves": {1: [0.6, 0.3, 0.1], 2: [0.1, 0.2, 0.7]},
    },
]

# Values stay well away from every threshold so float32 rounding cannot change a path.
ROWS = [
    [0.1, 0.1, 0.1, 0.1],
    [0.1, 0.9, 0.2, 0.9],
    [0.9, 0.1, 0.9, 0.1],
    [0.9, 0.9, 0.1, 0.9],
    [0.35, 0.05, 0.6, 0.75],
    [0.8, 0.45, 0.3, 0.2],
]


def walk(tree, row):
    node = 0
    branches = {b[0]: b for b in tree["branches"]}
    while node in branches:
        _, feature, threshold, true_id, false_id = branches[node]
        node = true_id if row[feature] <= threshold else false_id
    return tree["leaves"][node]


def expected(row):
    scores = [0.0] * len(CLASSES)
    for tree in TREES:
        for index, weight in enumerate(walk(tree, row)):
            scores[index] += weight / len(TREES)
    best = max(range(len(CLASSES)), key=lambda i: scores[i])
    ordered = sorted(scores, reverse=True)
    assert ordered[0] - ordered[1] > 1e-3, f"row {row} has no clear winner: {scores}"
    return CLASSES[best], scores


def ensemble_node(outputs):
    attributes = {
        "nodes_treeids": [], "nodes_nodeids": [], "nodes_featureids": [], "nodes_values": [],
        "nodes_modes": [], "nodes_truenodeids": [], "nodes_falsenodeids": [],
        "class_treeids": [], "class_nodeids": [], "class_ids": [], "class_weights": [],
    }
    for tree_id, tree in enumerate(TREES):
        for node_id, feature, threshold, true_id, false_id in tree["branches"]:
            attributes["nodes_treeids"].append(tree_id)
            attributes["nodes_nodeids"].append(node_id)
            attributes["nodes_featureids"].append(feature)
            attributes["nodes_values"].append(threshold)
            attributes["nodes_modes"].append("BRANCH_LEQ")
            attributes["nodes_truenodeids"].append(true_id)
            attributes["nodes_falsenodeids"].append(false_id)
        for node_id, weights in sorted(tree["leaves"].items()):
            attributes["nodes_treeids"].append(tree_id)
            attributes["nodes_nodeids"].append(node_id)
            attributes["nodes_featureids"].append(0)
            attributes["nodes_values"].append(0.0)
            attributes["nodes_modes"].append("LEAF")
            attributes["nodes_truenodeids"].append(0)
            attributes["nodes_falsenodeids"].append(0)
            for class_index, weight in enumerate(weights):
                attributes["class_treeids"].append(tree_id)
                attributes["class_nodeids"].append(node_id)
                attributes["class_ids"].append(class_index)
                attributes["class_weights"].append(weight / len(TREES))
    return helper.make_node(
        "TreeEnsembleClassifier", ["features"], outputs, domain="ai.onnx.ml",
        classlabels_int64s=CLASSES, post_transform="NONE", **attributes)


def model(with_zipmap):
    features = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])
    label = helper.make_tensor_value_info("label", TensorProto.INT64, ["N"])
    if with_zipmap:
        nodes = [
            ensemble_node(["label", "scores"]),
            helper.make_node("ZipMap", ["scores"], ["probabilities"], domain="ai.onnx.ml",
                             classlabels_int64s=CLASSES),
        ]
        # seq(map(int64, float)); python3-onnx 1.12 has no helper for map types.
        sequence = TypeProto()
        sequence.sequence_type.elem_type.map_type.key_type = TensorProto.INT64
        sequence.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
        probabilities = helper.make_value_info("probabilities", sequence)
    else:
        nodes = [ensemble_node(["label", "probabilities"])]
        probabilities = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", len(CLASSES)])
    graph = helper.make_graph(nodes, "tiny_classifier", [features], [label, probabilities])
    onnx_model = helper.make_model(
        graph, producer_name="BehaviorBlocking make_test_model.py",
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    onnx_model.ir_version = 8
    return onnx_model


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    folder = os.path.join(root, "tests", "data", "models")
    os.makedirs(folder, exist_ok=True)
    for name, with_zipmap in (("tiny-classifier.onnx", False), ("tiny-classifier-zipmap.onnx", True)):
        with open(os.path.join(folder, name), "wb") as stream:
            stream.write(model(with_zipmap).SerializeToString())

    rows = []
    for row in ROWS:
        label, scores = expected(row)
        rows.append({"features": row, "label": label, "probabilities": [round(s, 9) for s in scores]})
    document = {
        "model": "tiny-classifier.onnx",
        "inputName": "features",
        "outputNames": ["label", "probabilities"],
        "featureCount": FEATURES,
        "classes": CLASSES,
        "rows": rows,
    }
    with open(os.path.join(folder, "tiny-classifier.expected.json"), "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=2)
        stream.write("\n")


if __name__ == "__main__":
    main()
