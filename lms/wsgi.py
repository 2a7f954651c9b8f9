"""WSGI entry point for gunicorn: `gunicorn lms.wsgi:app`."""

from lms import create_app

app = create_app()
if not app.config.get("BASE_URL"):
    # E-mails and badges need the public address, and the Host header is not it.
    # `lms serve` sets LMS_BASE_URL to the address it listens on when it is unset.
    raise RuntimeError("LMS_BASE_URL is not set: set it to the site's public address "
                       "(e.g. https://academy.example.com), or start the site with `lms serve`")
# Parse the content when the worker boots, not on the first request it serves
# (a full parse of the course files takes about a second).
app.extensions["lms.content"].refresh()
# Likewise the templates, a database connection and the translations (lms/warmup.py).
from lms.warmup import warm  # noqa: E402

warm(app)
