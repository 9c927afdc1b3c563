"""The store: the DuckDB connection with its one writer (connection), and the numbered
migrations of the schema (schema). It knows nothing of the demo, roles or scores."""
