; Folding ranges for the language server: whole statements and column lists.
(statement) @fold
(column_definitions) @fold
(comment) @fold
