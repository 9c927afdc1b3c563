"""The store: what every store shares (base), the embedded DuckDB store with its one writer
(connection), the shared PostgreSQL store with its DuckDB replica (postgres), and the numbered
migrations of the schema (schema). It knows nothing of the demo, roles or scores."""
