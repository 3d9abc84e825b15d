"""Fitting the shipped models (answer calibration, the verifier, short-answer trees) on the
fit halves of the labelled and SQuAD sets. Needs the ``[fit]`` extra (scikit-learn, LightGBM)."""
