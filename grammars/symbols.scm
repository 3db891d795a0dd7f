; Document symbols for the language server. Captures are named by the symbol they make:
; @table / @column / @index / @constraint, each with a @name.
(create_table (object_reference name: (identifier) @name)) @table
(column_definition name: (identifier) @name) @column
(create_index (identifier) @name) @index
(constraint name: (identifier) @name) @constraint
