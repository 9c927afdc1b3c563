"""The report's sections, one module each: every one has `section(ctx)` building its `Section`
from the shared `ReportContext`; the summary borrows words from the others."""
