"""Badge artwork per level: one medal design, drawn as SVG and as PNG.

Levels come from program.yml, so any level gets a medal: bronze, silver and gold
have their metal colours, other levels a colour by rank.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from xml.sax.saxutils import escape

METALS = {
    "bronze": ("#c8884e", "#8c5a2b", "#f3d2b0"),
    "silver": ("#c3cad3", "#5b6470", "#f4f6f8"),
    "gold": ("#e9c13b", "#8a6d00", "#fff3b8"),
    "platinum": ("#d9dde6", "#4a5568", "#ffffff"),
}
FALLBACK = (("#4f8fd6", "#0b5cab", "#dbe9f8"), ("#59b36f", "#1a6b32", "#dff2e4"),
            ("#b07cd8", "#5b2a86", "#efe3f8"))
RIBBON = ("#0b5cab", "#084684")


def colours(level: str, rank: int) -> tuple[str, str, str]:
    return METALS.get(level, FALLBACK[rank % len(FALLBACK)])


def _star(cx: float, cy: float, outer: float, inner: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


@lru_cache(maxsize=64)
def badge_svg(level: str, title: str, rank: int, issuer: str = "Partner Academy") -> str:
    face, edge, shine = colours(level, rank)
    star = " ".join(f"{x:.1f},{y:.1f}" for x, y in _star(128, 104, 34, 14))
    label = escape(level.upper())
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" height="256" role="img" aria-labelledby="t">
<title id="t">{escape(title)}</title>
<defs><radialGradient id="g" cx="40%" cy="35%" r="70%"><stop offset="0" stop-color="{shine}"/><stop offset="1" stop-color="{face}"/></radialGradient></defs>
<polygon points="78,150 58,246 92,228 112,252 128,160" fill="{RIBBON[0]}"/>
<polygon points="178,150 198,246 164,228 144,252 128,160" fill="{RIBBON[1]}"/>
<circle cx="128" cy="112" r="98" fill="{edge}"/>
<circle cx="128" cy="112" r="86" fill="url(#g)"/>
<circle cx="128" cy="112" r="74" fill="none" stroke="{edge}" stroke-width="3" stroke-dasharray="4 5"/>
<polygon points="{star}" fill="{edge}"/>
<text x="128" y="166" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="22" font-weight="700" fill="{edge}" letter-spacing="2">{label}</text>
<text x="128" y="186" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="11" fill="{edge}">{escape(issuer)}</text>
</svg>
"""


@lru_cache(maxsize=64)
def badge_png(level: str, rank: int, size: int = 512) -> bytes:
    """The same medal as a PNG (baking needs PNG; many badge backpacks show only PNG)."""
    from PIL import Image, ImageDraw, ImageFont

    face, edge, _shine = colours(level, rank)
    s = size / 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def pts(points):
        return [(x * s, y * s) for x, y in points]

    draw.polygon(pts([(78, 150), (58, 246), (92, 228), (112, 252), (128, 160)]), fill=RIBBON[0])
    draw.polygon(pts([(178, 150), (198, 246), (164, 228), (144, 252), (128, 160)]), fill=RIBBON[1])
    draw.ellipse([(30 * s, 14 * s), (226 * s, 210 * s)], fill=edge)
    draw.ellipse([(42 * s, 26 * s), (214 * s, 198 * s)], fill=face)
    draw.ellipse([(54 * s, 38 * s), (202 * s, 186 * s)], outline=edge, width=max(int(3 * s), 1))
    draw.polygon(pts(_star(128, 104, 34, 14)), fill=edge)
    font = ImageFont.load_default(size=int(22 * s))
    draw.text((128 * s, 158 * s), level.upper(), fill=edge, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
