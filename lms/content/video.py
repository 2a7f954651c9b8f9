"""Lesson videos: a URL as the author wrote it, turned into an embeddable player URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from lms.content.durations import parse_duration
from lms.content.messages import N_

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com",
                  "youtube-nocookie.com", "www.youtube-nocookie.com"}
_YOUTUBE_PATH_PREFIXES = ("/embed/", "/shorts/", "/live/", "/v/")
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
_VIMEO_HASH = re.compile(r"^[0-9a-f]{6,}$")



@dataclass(frozen=True)
class Video:
    kind: str  # "youtube" | "vimeo" | "mp4"
    url: str  # as written in the lesson
    embed_url: str  # what the player (iframe or <video>) loads


def parse_video(url: object, local_url: Callable[[str], str | None] | None = None) -> Video:
    """Recognise a video URL; raises ValueError naming what is supported (its first
    argument a Message).

    ``local_url`` maps a relative path (an .mp4 kept next to the lesson) to its site
    URL, or None when the path leaves the course folder.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError(N_("video must be a URL: a YouTube or Vimeo link, or an https URL of "
                            "an .mp4 file"))
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        return Video("youtube", url, _youtube_embed(parts, host))
    if host in _VIMEO_HOSTS:
        return Video("vimeo", url, _vimeo_embed(parts))
    if parts.path.lower().endswith(".mp4"):
        if parts.scheme == "https" and host:
            return Video("mp4", url, url)
        if not parts.scheme and not parts.netloc and local_url is not None:
            local = local_url(url)
            if local is not None:
                return Video("mp4", url, local)
        raise ValueError(N_("an .mp4 video must be an https URL or a file inside the course "
                            "folder"))
    raise ValueError(N_("unsupported video URL %(url)s: use a YouTube or Vimeo link, or an "
                        "https URL of an .mp4 file", url=repr(url)))


def _youtube_embed(parts, host: str) -> str:
    query = parse_qs(parts.query)
    if host == "youtu.be":
        video_id = parts.path.strip("/")
    elif parts.path == "/watch":
        video_id = query.get("v", [""])[0]
    elif parts.path.startswith(_YOUTUBE_PATH_PREFIXES):
        video_id = parts.path.split("/")[2]
    else:
        video_id = ""
    if not _YOUTUBE_ID.match(video_id):
        raise ValueError(N_("no YouTube video id in %(url)s", url=repr(parts.geturl())))
    embed = f"https://www.youtube-nocookie.com/embed/{video_id}"
    start = _start_seconds(query.get("t", query.get("start", [""]))[0])
    return f"{embed}?start={start}" if start else embed


def _start_seconds(value: str) -> int:
    # YouTube writes t=90 (seconds) or t=1m30s; anything else just starts at 0.
    if value.isdigit():
        return int(value)
    try:
        return int(parse_duration(value).total_seconds()) if value else 0
    except ValueError:
        return 0


def _vimeo_embed(parts) -> str:
    segments = [s for s in parts.path.split("/") if s]
    for index, segment in enumerate(segments):
        if segment.isdigit():
            video_id = segment
            break
    else:
        raise ValueError(N_("no Vimeo video id in %(url)s", url=repr(parts.geturl())))
    # Unlisted videos carry a privacy hash: vimeo.com/<id>/<hash> or ?h=<hash>.
    private = parse_qs(parts.query).get("h", [""])[0]
    rest = segments[index + 1:index + 2]
    if not private and rest and _VIMEO_HASH.match(rest[0]):
        private = rest[0]
    embed = f"https://player.vimeo.com/video/{video_id}"
    return f"{embed}?{urlencode({'h': private})}" if private else embed
