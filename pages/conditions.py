"""Conditions: each of the five conditions of Collective Impact in depth."""

from ui.scale_page import render

render("condition")
