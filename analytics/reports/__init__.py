"""The report of an initiative: its content types (content), the figures every section reads
(context), one module per section (sections), put together (build), rendered as HTML or PDF
(render)."""
