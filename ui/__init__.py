"""Streamlit helpers shared by the pages: the store, the initiative picker, chart blocks."""
