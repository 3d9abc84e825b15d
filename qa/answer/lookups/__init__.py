"""What a question's shape looks up rather than scores: a table row, a list item by its
place, a table's extreme row, a message's header line, a document's field line, a section
heading. Each module offers one ``find(state)`` returning a ``Lookup`` or None."""
