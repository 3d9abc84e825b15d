"""Finding passages: dense, BM25 and hybrid ranking over an opened index, fusion of the two
rankings, and the reading of a typed question's misspellings against the indexed words."""
