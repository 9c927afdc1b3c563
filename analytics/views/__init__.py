"""What pages and downloads show, as plain data and Plotly figures: the overview, one scale,
the portfolio, exports and templates, and the chart builders."""
