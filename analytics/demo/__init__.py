"""The demo: three seeded initiatives with their stories, filled into a new database on the app's
first start only (fill.fill_if_new)."""
