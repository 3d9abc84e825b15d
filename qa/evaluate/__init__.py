"""Evaluation: datasets (BEIR, SQuAD, labelled questions), retrieval metrics, answers measured
against labels, and the ``--report`` page. Plots need the ``[eval]`` extra (matplotlib)."""
