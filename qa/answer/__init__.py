"""The extractive answer: one pipeline of named steps (``pipeline``) from a question to cited
sentences or a plain "not in the documents"; the structural lookups a question's shape
answers (``lookups``) and the short answer shown above the sentences (``spans``)."""
