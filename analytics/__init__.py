"""Common Measure's core: store, import, scoring, charts and reports, without streamlit."""
