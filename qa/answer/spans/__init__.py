"""Short answers: the words of the cited sentence that answer the question, ranked by fitted
trees over candidate spans (``model``, ``features``, ``trees``) with the rules beside them
(``rules``), the short answers rules give outright (``definitions``), and what a parser
(``syntax``) and the word vectors (``vectors``) say of a span."""
