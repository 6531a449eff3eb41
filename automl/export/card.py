"""The model card of an export: ``model_card.json`` for programs, ``model_card.md`` for people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Said by every card this toolkit writes: `automl predict` loads a SavedModel without
# --trust-model only when the card beside it says so (automl.export.vetting).
WRITTEN_BY = "keras-automl"


def write_card(folder: Path, card: dict[str, Any]) -> None:
    """Writes both files of the card into ``folder``, saying that this toolkit wrote them."""
    card = {**card, "written_by": WRITTEN_BY}
    (folder / "model_card.json").write_text(json.dumps(card, indent=2, default=str) + "\n")
    (folder / "model_card.md").write_text(markdown(card))


def card_beside(model: Path) -> dict[str, Any]:
    """The card of the export a model is in: beside it, or in the folder above (a SavedModel in an export).

    Returns:
        The card's facts, or ``{}`` when there is no readable card (a hand-made or damaged one says nothing).
    """
    folder = model if model.is_dir() else model.parent
    for path in (folder / "model_card.json", folder.parent / "model_card.json"):
        try:
            card = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(card, dict):
            return card
    return {}


def markdown(card: dict[str, Any]) -> str:
    """The card as a short Markdown page: what it is, what it takes and gives, how good it is."""
    dataset = card.get("dataset") if isinstance(card.get("dataset"), dict) else {"dataset": card.get("dataset")}
    lines = [f"# Model card: {card.get('experiment', 'model')}", "",
             f"Best trial {card.get('best_trial')} of search space `{card.get('space')}` on dataset "
             f"`{dataset.get('dataset')}` (fingerprint `{dataset.get('fingerprint')}`), task "
             f"{dataset.get('task')}." + (" Retrained on train + validation before export." if card.get("retrained")
                                          else ""), ""]
    lines += _section("Inputs (raw values; preprocessing is inside)", card.get("inputs", {}))
    lines += _graph_inputs(dataset.get("graph"), card.get("inputs", {}))
    lines += _section("Outputs", card.get("outputs", {}))
    lines += _generation(card.get("generation"))
    if card.get("class_names"):
        lines += ["## Classes", "", ", ".join(f"{i}: {n}" for i, n in enumerate(card["class_names"])), ""]
    lines += _section("Metrics", card.get("metrics", {}))
    lines += _selection(card.get("selection"))
    lines += _section("Hyperparameters", card.get("hyperparameters", {}))
    lines += _section("Search", card.get("search", {}))
    lines += _section("Data", {k: v for k, v in dataset.items()
                               if k not in ("dataset", "fingerprint", "task", "graph")})
    lines += _section("Versions", card.get("versions", {}))
    lines += _section("Files", {f: "" for f in card.get("files", [])})
    if card.get("mlflow_run_id"):
        lines += ["## MLflow", "", f"Parent run `{card['mlflow_run_id']}` at {card.get('tracking_uri', '')}", ""]
    return "\n".join(lines)


def _selection(facts: Any) -> list[str]:
    """How the exported model was chosen: the best trial or an ensemble, and whether it was refit."""
    if not isinstance(facts, dict) or not facts:
        return []
    members = facts.get("members") or {}
    what = (f"An ensemble of {len(members)} models, averaged with weights "
            + ", ".join(f"{_member(t)}: {w:.2f}" for t, w in members.items())
            if len(members) > 1 else f"{_member(next(iter(members), '?'))} alone".capitalize())
    lines = ["## Selection", "", f"{what}; chosen by {facts.get('method', 'best trial')}."
             + (f" Ensemble: {facts['ensemble']}." if facts.get("ensemble") else "")
             + (f" Refit: {facts['refit']}." if facts.get("refit") else ""), ""]
    shown = {k: v for k, v in facts.items() if k not in ("members", "method", "ensemble", "refit", "weights")}
    return lines + _section("Selection facts", shown)[2:] if shown else lines


def _member(member_id: str) -> str:
    """A member in words: ``trial 03``, or ``the linear model`` for a candidate that is no trial."""
    return f"trial {member_id}" if str(member_id).isdigit() or member_id == "?" else f"the {member_id} model"


def _generation(facts: Any) -> list[str]:
    """How to draw images from a generator, and what its sample scores mean."""
    if not isinstance(facts, dict):
        return []
    low, high = (facts.get("value_range") or [0, 1])[:2]
    rows = {
        "noise": f"standard normal, shape {facts.get('noise_shape')} per image (serving_default takes it)",
        "generate": "the second signature: seed, count and label (-1: the classes in turn) in, images out; "
                    "`automl generate --model DIR --n 64 --out grid.png` calls it",
        "images": f"in the training images' range, {low:g} to {high:g}",
        "class-conditional": "yes: serving_default also takes label" if facts.get("conditional") else "no",
        "scores": "Fréchet distance (fd), precision, recall and diversity in the features of a classifier the "
                  "search trained on this data set's training images: comparable between models of this data "
                  "set, not with published FID; test_fd_floor is training images against test images",
    }
    return _section("Generation", rows)


def _graph_inputs(graph: Any, inputs: Any) -> list[str]:
    """What a graph model's inputs mean, how its files were read, and what one output row is."""
    if not isinstance(graph, dict):
        return []
    inputs = inputs if isinstance(inputs, dict) else {}
    shape = lambda name: f" ({inputs[name]})" if name in inputs else ""  # noqa: E731
    features = graph.get("features") if isinstance(graph.get("features"), list) else []
    table = graph.get("table") if isinstance(graph.get("table"), dict) else None
    level = graph.get("level")
    rows = {
        "node_features": (f"one row per node, its features in this order: {', '.join(map(str, features))}"
                          if features else "one row per node, a single constant 1 (the nodes had no numeric "
                                           "features)") + shape("node_features"),
        "edge_index": "[edges, 2]: (source, target) node numbers within the batch (rows of node_features, from "
                      "0); a message flows from source to target, so an undirected edge is listed both ways"
                      + shape("edge_index"),
        "edge_weight": "one weight per edge (ones for an unweighted graph)" + shape("edge_weight"),
    }
    if level == "graph":
        rows["graph_ids"] = ("which graph each node is, numbered from 0 within the batch (a batch is the "
                             "graphs' disjoint union: nodes stacked, edge numbers offset)") + shape("graph_ids")
    rows["outputs"] = ("one row per graph" if level == "graph"
                       else "one row per node: the model predicts every node of the graph it is given")
    if table is not None:
        weight = f"column {table.get('weight')!r}" if table.get("weight") else "none (ones)"
        rows["read from"] = (f"{graph.get('source', 'a node table')}: node id column {table.get('id')!r}, label "
                             f"column {table.get('target')!r}; edges {table.get('edge_source')!r} -> "
                             f"{table.get('edge_target')!r}, weight {weight}, "
                             + ("directed (as listed)" if table.get("directed") else
                                "undirected (each edge both ways)"))
    elif graph.get("source"):
        rows["read from"] = f"source {graph['source']}"
    return _section("Graph inputs", rows)


def _section(title: str, values: dict[str, Any]) -> list[str]:
    if not values:
        return []
    rows = [f"| {k} | {_text(v)} |" for k, v in values.items()]
    return [f"## {title}", "", "| name | value |", "|---|---|", *rows, ""]


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).replace("|", "\\|")
