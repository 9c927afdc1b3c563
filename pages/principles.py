"""Principles: each of the five partnering principles in depth."""

from ui.scale_page import render

render("principle")
