"""The report of an initiative: its content types (content), built section by section (build),
rendered as HTML or PDF (render)."""
