"""status_page."""
