"""How files that trainers or learners provide are served (docs/operations.md "Files").

Course files are written by trainers, evidence by learners: nothing in them may run as
the site. Only an allowlist of media types is shown inline, and even those carry a
sandboxing Content-Security-Policy; everything else (HTML, JavaScript, SVG opened
directly, unknown types) is an attachment with a type no browser renders.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file, stream_with_context

SVG = "image/svg+xml"
DOWNLOAD_TYPE = "application/octet-stream"

# Types a browser shows without running anything of the file's own. By extension: the
# content tree is trusted to name its files, and the sandbox below holds if it lies.
INLINE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".pdf": "application/pdf",
}

# A document opened from one of these files gets a unique opaque origin (sandbox, no
# allow-scripts): no script, no forms, no cookies of the site, no requests to it.
SANDBOX_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; "
               "style-src 'unsafe-inline'; font-src 'self'; object-src 'none'; "
               "frame-ancestors 'none'; form-action 'none'; base-uri 'none'")


@dataclass(frozen=True)
class Delivery:
    """The Content-Type to send and whether the browser may show the file in place."""

    mimetype: str
    inline: bool


def delivery_for(filename: str, fetch_dest: str | None) -> Delivery:
    """How to serve a provided file named ``filename``.

    ``fetch_dest`` is the request's ``Sec-Fetch-Dest`` header. An SVG is an image only
    when the browser loads it as one (``<img>``: scripts in it never run); opened as a
    page it is a download. Browsers send the header only to secure origins (HTTPS,
    localhost); without it an SVG keeps its type, so ``<img>`` works over plain HTTP,
    but is still an attachment, so opening it downloads instead of rendering.
    """
    extension = os.path.splitext(filename)[1].lower()
    inline_type = INLINE_TYPES.get(extension)
    if inline_type is not None:
        return Delivery(inline_type, inline=True)
    if extension == ".svg":
        if fetch_dest == "image":
            return Delivery(SVG, inline=True)
        if not fetch_dest:
            return Delivery(SVG, inline=False)
    return Delivery(DOWNLOAD_TYPE, inline=False)


def protect(response: Response, *, vary_on_dest: bool = False) -> Response:
    """The headers every provided file carries, inline or not."""
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if vary_on_dest:
        # The answer depends on Sec-Fetch-Dest: a cached <img> copy of an SVG must not
        # be reused when the same URL is opened as a page.
        response.vary.add("Sec-Fetch-Dest")
    return response


def send_provided_file(path: Path, fetch_dest: str | None, *, max_age: int) -> Response:
    """A course file by the rules above, with range and conditional requests."""
    delivery = delivery_for(path.name, fetch_dest)
    response = send_file(path, mimetype=delivery.mimetype, as_attachment=not delivery.inline,
                         download_name=path.name, max_age=max_age, conditional=True)
    return protect(response, vary_on_dest=path.suffix.lower() == ".svg")


def send_download(chunks: Iterable[bytes], size: int, mimetype: str,
                  download_name: str) -> Response:
    """A private file (learner evidence), streamed, always downloaded, never shown in place."""
    safe_type = mimetype if mimetype in INLINE_TYPES.values() else DOWNLOAD_TYPE
    # The pieces are read from the database while the response is sent: keep the context.
    response = Response(stream_with_context(chunks), mimetype=safe_type,
                        direct_passthrough=True)
    response.content_length = size
    response.headers.set("Content-Disposition", "attachment", **_filename_params(download_name))
    response.headers["Cache-Control"] = "private, no-store"
    return protect(response)


def _filename_params(name: str) -> dict[str, str]:
    """As send_file names a download: ASCII as is, anything else also as RFC 5987 UTF-8."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": "UTF-8''" + quote(name, safe="!#$&+^`|~")}
    return {"filename": name}
