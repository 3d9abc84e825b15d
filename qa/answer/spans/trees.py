"""A fitted ensemble of decision trees kept as plain arrays in JSON and scored with numpy:
read from LightGBM's public ``dump_model()`` when fitting, so answering needs neither
LightGBM nor a pickle."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

MAX_SPLITS_PER_TREE = 8  # a row's turns in a tree fit one byte; a table of 256 outputs per tree


@dataclass(frozen=True)
class TreeEnsemble:
    """Every tree's nodes in one flat list (a tree's nodes in depth-first order); a leaf has
    no threshold (+inf) and no children (-1)."""

    feature: np.ndarray  # column each node tests
    threshold: np.ndarray  # go to ``left`` when the value is <= this
    left: np.ndarray  # node indices
    right: np.ndarray
    value: np.ndarray  # a leaf's output (learning rate applied), 0 elsewhere
    roots: np.ndarray  # each tree's first node

    @classmethod
    def from_lightgbm(cls, dump: dict) -> TreeEnsemble:
        """From ``Booster.dump_model()`` of a model of numeric splits (``x <= threshold``)."""
        nodes: list[tuple[int, float, int, int, float]] = []

        def add(node: dict) -> int:
            at = len(nodes)
            if "leaf_value" in node:
                nodes.append((0, np.inf, -1, -1, float(node["leaf_value"])))
                return at
            if node["decision_type"] != "<=" or node["missing_type"] not in ("None", None):
                raise ValueError(f"unsupported tree split: {node['decision_type']}, missing {node['missing_type']}")
            nodes.append((int(node["split_feature"]), float(node["threshold"]), -1, -1, 0.0))
            left = add(node["left_child"])
            right = add(node["right_child"])
            nodes[at] = (nodes[at][0], nodes[at][1], left, right, 0.0)
            return at

        roots = [add(tree["tree_structure"]) for tree in dump["tree_info"]]
        feature, threshold, left, right, value = (np.array(column) for column in zip(*nodes, strict=True))
        return cls(feature, threshold, left, right, value, np.array(roots))

    @classmethod
    def from_json(cls, data: dict, columns: int) -> TreeEnsemble:
        """``as_json``'s output, for rows of ``columns`` values."""
        threshold = np.array([np.inf if t is None else t for t in data["threshold"]], dtype=np.float64)
        ensemble = cls(np.array(data["feature"], dtype=np.int64), threshold, np.array(data["left"], dtype=np.int64),
                       np.array(data["right"], dtype=np.int64), np.array(data["value"], dtype=np.float64),
                       np.array(data["roots"], dtype=np.int64))
        if not ((0 <= ensemble.feature) & (ensemble.feature < columns)).all():
            raise ValueError(f"trees that read columns beyond the {columns} given")
        _ = ensemble._tables  # built (and the trees' size checked) now, not at the first question
        return ensemble

    def as_json(self) -> dict:
        """JSON-ready lists (a leaf's +inf threshold as null)."""
        return {"roots": self.roots.tolist(), "feature": self.feature.tolist(),
                "threshold": [None if np.isinf(t) else float(t) for t in self.threshold],
                "left": self.left.tolist(), "right": self.right.tolist(), "value": self.value.tolist()}

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each tree's splits (padded with a split every row passes left; column and threshold,
        splits × trees), and the output of the leaf that each pattern of turns at a tree's
        splits reaches (bit k: left at split k), flat, a tree's 2^splits outputs at its offset:
        small for small trees (7 leaves: 6 splits, 64 patterns)."""
        splits = np.flatnonzero(np.isfinite(self.threshold))
        tree_of = np.searchsorted(self.roots, splits, side="right") - 1
        counts = np.bincount(tree_of, minlength=len(self.roots))
        width = int(counts.max(initial=0))
        if width > MAX_SPLITS_PER_TREE:
            raise ValueError(f"trees of {width} splits: at most {MAX_SPLITS_PER_TREE} are scored here")
        order = np.arange(len(splits)) - np.repeat(np.cumsum(counts) - counts, counts)  # each split's place in its tree
        padded = np.full((len(self.roots), width), -1)
        padded[tree_of, order] = splits
        place = np.zeros(len(self.threshold), dtype=np.int64)
        place[splits] = order
        patterns = np.arange(2 ** width)
        node = np.repeat(self.roots[:, None], len(patterns), axis=1)
        for _ in range(width):
            split = np.isfinite(self.threshold[node])
            left = (patterns >> place[node]) & 1 == 1
            node = np.where(split, np.where(left, self.left[node], self.right[node]), node)
        features = np.where(padded >= 0, self.feature[padded], 0).T.copy()  # splits × trees
        thresholds = np.where(padded >= 0, self.threshold[padded], np.inf).T[:, :, None].copy()
        offsets = (np.arange(len(self.roots)) * len(patterns))[:, None]
        return features, thresholds, self.value[node].ravel(), offsets

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Each row's summed leaf outputs (LightGBM's raw score): the turns a row takes at every
        split of a tree, read as one number, pick that tree's leaf from its table."""
        features, thresholds, outputs, offsets = self._tables
        columns = np.ascontiguousarray(rows.T)
        patterns = np.zeros((features.shape[1], len(rows)), dtype=np.uint8)  # trees × rows
        for k, (split_columns, split_thresholds) in enumerate(zip(features, thresholds, strict=True)):
            patterns |= (columns[split_columns] <= split_thresholds).view(np.uint8) << k
        return np.take(outputs, offsets + patterns).sum(axis=0)
