"""WSGI entry point for gunicorn: `gunicorn lms.wsgi:app`."""

from lms import create_app

app = create_app()
# Parse the content when the worker boots, not on the first request it serves
# (a full parse of the course files takes about a second).
app.extensions["lms.content"].refresh()
