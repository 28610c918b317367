"""Draw a report on its photo (``photocheck check --annotate OUT.png``, the service's page):
people would rather look than read.

On the photo: the face box (green, red when a face/pose/eye/expression/headwear/eyewear rule
fails), the crown and chin lines (labelled), the standard 35:45 crop (yellow; orange when not
trimmable), and each failing or warning rule marked where it applies — the eye region for eye
and eyewear rules, the top of the head for headwear, the backdrop beside the head for background
rules, the mouth for expression, the face for pose and lighting, regions a finding names itself
(helper) — with a numbered tag. Below the photo, a panel: the verdict, then every failing and
warning rule with its number and message (measured value and limit) in the chosen language.

Text is drawn with Pillow in a font sized to the picture's width (~24 characters a line), so it
stays legible when a phone shows the picture 360 px wide. Japanese needs a CJK font:
:func:`cjk_font_path` looks for one (``PHOTOCHECK_FONT``, then fontconfig, then the usual
Debian paths: ``apt-get install fonts-ipaexfont-gothic``); without one the labels are English.
"""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from photocheck import decode
from photocheck.report import Finding, Report, Status

# BGR colours (as numpy/OpenCV pixels read back)
GREEN = (60, 180, 60)
RED = (40, 40, 230)
AMBER = (0, 170, 255)
YELLOW = (0, 220, 255)
ORANGE = (0, 140, 255)
CYAN = (230, 200, 0)
MAGENTA = (200, 60, 200)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
PANEL = (32, 32, 32)
VERDICT_COLOURS = {"accept": GREEN, "review": AMBER, "reject": RED}

FACE_CHECKS = ("face", "pose", "eyes", "expression", "headwear", "eyewear")
MAX_LONG_SIDE_PX = 1600  # annotate a reduced copy of very large photos
CHARS_PER_LINE = 24  # font size = picture width / this: ≥ 15 px when shown 360 px wide
MAX_LISTED = 10
LANGUAGES = ("ja", "en")

# Where each check's rules apply on the photo, and its short name on the tag.
GROUP_NAMES: dict[str, tuple[str, str]] = {
    "eyes": ("目", "eyes"), "eyewear": ("眼鏡", "glasses"),
    "headwear": ("帽子・かぶり物", "headwear"), "background": ("背景", "background"),
    "expression": ("表情", "expression"), "pose": ("顔の向き", "pose"), "face": ("顔", "face"),
    "lighting": ("照明", "lighting"), "geometry": ("位置・大きさ", "size/position"),
    "helper": ("介助者", "helper"), "quality": ("画質", "quality"),
    "metadata": ("撮影情報", "metadata"), "file": ("ファイル", "file"),
    "trim": ("トリミング", "trim"),
}
WORDS: dict[str, tuple[str, str]] = {
    "verdict": ("判定", "verdict"), "accept": ("適合", "accept"),
    "review": ("要確認", "review"), "reject": ("不適合", "reject"),
    "crown": ("頭頂", "crown"), "chin": ("あご", "chin"), "crop": ("35×45", "35×45"),
    "all_pass": ("すべての項目に適合しています。", "Every rule passed."),
    "more": ("ほか {n} 件", "{n} more"),
    "crown_above": ("頭頂は写真の上端より上", "crown above the top edge"),
}
_FONT_PATHS = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",
)


def _word(key: str, lang: str) -> str:
    return WORDS[key][LANGUAGES.index(lang)]


@functools.cache
def cjk_font_path() -> Path | None:
    """A font file with Japanese glyphs, or None (labels are then English).

    ``PHOTOCHECK_FONT`` first, then what ``fc-list :lang=ja`` finds, then usual Debian paths.
    """
    candidates: list[str] = []
    if os.environ.get("PHOTOCHECK_FONT"):
        candidates.append(os.environ["PHOTOCHECK_FONT"])
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = subprocess.run([fc_list, ":lang=ja", "file"], capture_output=True,
                                    text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        found = sorted(line.strip().rstrip(":") for line in listed.splitlines() if line.strip())
        candidates += [p for p in found if "gothic" in p.lower() or "sans" in p.lower()]
        candidates += found
    candidates += _FONT_PATHS
    for path in candidates:
        try:
            ImageFont.truetype(path, 12)
        except OSError:
            continue
        return Path(path)
    return None


def language(lang: str) -> str:
    """The language the labels are drawn in: ``lang``, or English without a CJK font."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return "en" if lang == "ja" and cjk_font_path() is None else lang


@functools.cache
def _font(size_px: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path() if cjk else None
    if path is not None:
        return ImageFont.truetype(str(path), size_px)
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size_px)
        except OSError:
            continue
    return ImageFont.load_default(size_px)


def _rgb(bgr: tuple[int, int, int]) -> tuple[int, int, int]:
    return bgr[2], bgr[1], bgr[0]


def _failing(report: Report) -> list[Finding]:
    """Failing rules first, then warnings (the panel's order and numbers)."""
    fails = [f for f in report.findings if f.status is Status.FAIL]
    return fails + [f for f in report.findings if f.status is Status.WARN]


def _regions(measured: Any) -> Iterator[list[float]]:
    """Boxes ``[x0, y0, x1, y1]`` (full-res px) a finding's ``measured`` names, if any."""
    if not isinstance(measured, dict):
        return
    for key in ("box", "region"):
        box = measured.get(key)
        if isinstance(box, list | tuple) and len(box) == 4:
            yield [float(v) for v in box]
    for key in ("regions", "boxes"):
        boxes = measured.get(key)
        if isinstance(boxes, list | tuple):
            for box in boxes:
                if isinstance(box, list | tuple) and len(box) == 4:
                    yield [float(v) for v in box]


def _point(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    return None


def group_regions(report: Report, check: str, image_w: float) -> list[list[float]]:
    """Where rules of ``check`` apply on the photo (full-res px boxes), from the face geometry.

    Eyes/eyewear: around both eyes; headwear: from above the crown down to the forehead;
    background: the backdrop left and right of the head; expression: the mouth; pose, face,
    lighting: the face box; geometry: the standard crop. Empty when the face is unknown.
    """
    face = report.face or {}
    fbox = face.get("box")
    if check == "geometry":
        box = (report.crop or {}).get("box")
        return [list(map(float, box))] if isinstance(box, list | tuple) and len(box) == 4 else []
    if not (isinstance(fbox, list | tuple) and len(fbox) == 4):
        return []
    x0, y0, x1, y1 = (float(v) for v in fbox)
    fw, cx = x1 - x0, (x0 + x1) / 2
    kps = face.get("keypoints") if isinstance(face.get("keypoints"), list) else []
    if check in ("eyes", "eyewear"):
        if len(kps) >= 2:
            (ax, ay), (bx, by) = kps[0][:2], kps[1][:2]
            d = math.hypot(bx - ax, by - ay)
            return [[min(ax, bx) - 0.5 * d, min(ay, by) - 0.35 * d,
                     max(ax, bx) + 0.5 * d, max(ay, by) + 0.35 * d]]
        return [[x0, y0 + 0.15 * fw, x1, y0 + 0.5 * fw]]
    if check == "headwear":
        crown = _point(face.get("crown_estimate")) or _point(face.get("crown"))
        forehead = _point(face.get("forehead"))
        top = crown[1] if crown else y0 - 0.6 * fw
        bottom = forehead[1] if forehead else y0 + 0.1 * fw
        return [[cx - 0.8 * fw, top - 0.1 * fw, cx + 0.8 * fw, max(bottom, top + 0.2 * fw)]]
    if check == "expression":
        if len(kps) >= 4:
            mx, my = kps[3][:2]
            return [[mx - 0.3 * fw, my - 0.15 * fw, mx + 0.3 * fw, my + 0.15 * fw]]
        return [[x0, y0 + 0.6 * fw, x1, y1]]
    if check == "background":
        chin = _point(face.get("chin"))
        bottom = chin[1] if chin else y1
        margin = 0.35 * fw
        strips = [[0.0, 0.0, x0 - margin, bottom], [x1 + margin, 0.0, image_w, bottom]]
        return [s for s in strips if s[2] - s[0] > 0.04 * image_w]
    if check in ("pose", "face", "lighting"):
        return [[x0, y0, x1, y1]]
    return []


@dataclass
class _Canvas:
    """The picture being drawn on: Pillow's drawing, the scale and the text sizes."""

    draw: ImageDraw.ImageDraw
    scale: float
    width: int
    height: int
    thick: int
    font: Any
    big: Any
    lang: str

    def pt(self, x: float, y: float) -> tuple[int, int]:
        return int(round(x * self.scale)), int(round(y * self.scale))

    def box(self, box: Sequence[float], colour: tuple[int, int, int]) -> None:
        (a, b), (c, d) = self.pt(box[0], box[1]), self.pt(box[2], box[3])
        a, c = sorted((a, c))
        b, d = sorted((b, d))
        self.draw.rectangle((a, b, c, d), outline=_rgb(colour), width=self.thick)

    def tag(self, text: str, at: tuple[int, int], colour: tuple[int, int, int],
            placed: list[tuple[int, int, int, int]]) -> None:
        """A filled label with its top-left near ``at``, inside the photo, clear of others."""
        pad = max(2, self.thick)
        left, top, right, bottom = self.draw.textbbox((0, 0), text, font=self.font)
        w, h = right - left + 2 * pad, bottom - top + 2 * pad
        x = min(max(at[0], 0), max(self.width - w, 0))
        y = min(max(at[1] - h, 0), max(self.height - h, 0))
        for _ in range(12):  # step down past tags already placed
            rect = (x, y, x + w, y + h)
            hit = [r for r in placed if rect[0] < r[2] and r[0] < rect[2]
                   and rect[1] < r[3] and r[1] < rect[3]]
            if not hit:
                break
            y = min(max(hit[0][3] + 1, 0), max(self.height - h, 0))
        placed.append((x, y, x + w, y + h))
        self.draw.rectangle((x, y, x + w, y + h), fill=_rgb(colour))
        self.draw.text((x + pad - left, y + pad - top), text, font=self.font, fill=_rgb(WHITE))


_NO_LINE_START = "。、，．）」』】〕！？・ー),.;:!?"


def _glyphs(text: str, lang: str) -> str:
    """Signs the Japanese fonts lack in their Western form (IPAex: ≦ ≧, not ≤ ≥)."""
    return text.replace("≤", "≦").replace("≥", "≧") if lang == "ja" else text


def _wrap(text: str, font: Any, width: float) -> list[str]:
    """Greedy line breaks: ASCII words kept whole, other characters (kana, kanji) one by one."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"[\x21-\x7e]+\s*|\s+|.", text):
        # closing punctuation never starts a line (kinsoku): it may stick out a little
        if line and token[0] not in _NO_LINE_START \
                and font.getlength(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _geometry(c: _Canvas, report: Report, fail_checks: set[str]) -> None:
    """Crop box, face box, crown and chin lines (labelled), the crown-above-frame arrow."""
    face = report.face or {}
    crop = report.crop or {}
    box = crop.get("box")
    if isinstance(box, list | tuple) and len(box) == 4:
        colour = YELLOW if crop.get("trimmable") else ORANGE
        c.box(box, colour)
        x0, y1 = c.pt(min(box[0], box[2]), max(box[1], box[3]))
        size = c.draw.textbbox((0, 0), _word("crop", c.lang), font=c.font)
        x = min(max(x0 + 2 * c.thick, 0), c.width - size[2] - 1)
        y = min(max(y1 - size[3] - 2 * c.thick, 0), c.height - size[3] - 1)
        c.draw.text((x, y), _word("crop", c.lang), font=c.font, fill=_rgb(colour),
                    stroke_width=max(1, c.thick // 2), stroke_fill=_rgb(BLACK))
    fbox = face.get("box")
    if not (isinstance(fbox, list | tuple) and len(fbox) == 4):
        return
    c.box(fbox, RED if fail_checks & set(FACE_CHECKS) else GREEN)
    half = (fbox[2] - fbox[0]) * 0.9
    cx = (fbox[0] + fbox[2]) / 2
    for key, colour in (("crown", CYAN), ("chin", MAGENTA)):
        point = _point(face.get(key))
        if point is None:
            continue
        a, b = c.pt(cx - half, point[1]), c.pt(cx + half, point[1])
        c.draw.line((a, b), fill=_rgb(colour), width=c.thick)
        label = _word(key, c.lang)
        size = c.draw.textbbox((0, 0), label, font=c.font)
        x = min(b[0] + c.thick, c.width - (size[2] - size[0]) - 1)
        y = min(max(b[1] - (size[3] + size[1]) // 2, 0), c.height - size[3] - 1)
        c.draw.text((x, y), label, font=c.font,
                    fill=_rgb(colour), stroke_width=max(1, c.thick // 2),
                    stroke_fill=_rgb(BLACK))
    estimate = _point(face.get("crown_estimate"))
    if estimate is not None and estimate[1] < 0:
        # the hair leaves the frame: an arrow up to the top edge says the crown lies above it
        x = c.pt(estimate[0], 0)[0]
        length = 12 * c.thick
        c.draw.line(((x, length), (x, 0)), fill=_rgb(CYAN), width=c.thick)
        head = 3 * c.thick
        c.draw.polygon(((x, 0), (x - head, head), (x + head, head)), fill=_rgb(CYAN))


def _marks(c: _Canvas, report: Report, failing: list[Finding], image_w: float) -> None:
    """Each failing check's region outlined and tagged with its rules' numbers and name."""
    placed: list[tuple[int, int, int, int]] = []
    numbers: dict[str, list[int]] = {}
    for n, found in enumerate(failing[:MAX_LISTED], start=1):
        numbers.setdefault(found.check, []).append(n)
    for check, nums in numbers.items():
        rules = [failing[n - 1] for n in nums]
        colour = RED if any(f.status is Status.FAIL for f in rules) else AMBER
        own = [r for f in rules for r in _regions(f.measured)]
        regions = own or group_regions(report, check, image_w)
        if check != "geometry":
            for region in regions:
                c.box(region, colour)
        if not regions:
            continue
        name = GROUP_NAMES.get(check, (check, check))[LANGUAGES.index(c.lang)]
        label = f"{','.join(map(str, nums))} {name}"
        first = min(regions, key=lambda r: (r[1], r[0]))
        c.tag(label, c.pt(first[0], first[1]), colour, placed)


def _panel(report: Report, failing: list[Finding], width: int, font: Any, big: Any,
           lang: str) -> Image.Image:
    """The verdict banner and the numbered list of failing and warning rules (the number in
    the rule's colour, red for fail and amber for warn, the message wrapped beside it)."""
    pad = max(6, width // 60)
    verdict = str(report.verdict)
    title = f"{_word('verdict', lang)}: {_word(verdict, lang)}"
    indent = int(font.getlength("10. "))
    # (number, text, colour of the number or of an unnumbered line, indented)
    rows: list[tuple[str, str, tuple[int, int, int], bool]] = []
    for n, found in enumerate(failing[:MAX_LISTED], start=1):
        colour = RED if found.status is Status.FAIL else AMBER
        text = _glyphs(found.message.get(lang) or found.message.get("en") or found.code, lang)
        for i, line in enumerate(_wrap(text, font, width - 2 * pad - indent)):
            rows.append((f"{n}." if i == 0 else "", line, colour, True))
    if len(failing) > MAX_LISTED:
        more = _word("more", lang).format(n=len(failing) - MAX_LISTED)
        rows.append(("", more, WHITE, True))
    if not failing:
        rows.append(("", _word("all_pass", lang), GREEN, False))
    line_h = int(font.size * 1.35)
    banner_h = int(big.size * 1.6)
    height = banner_h + pad + line_h * len(rows) + pad
    panel = Image.new("RGB", (width, height), _rgb(PANEL))
    draw = ImageDraw.Draw(panel)
    draw.rectangle((0, 0, width, banner_h), fill=_rgb(VERDICT_COLOURS[verdict]))
    draw.text((pad, banner_h // 2), title, font=big, fill=_rgb(WHITE), anchor="lm")
    y = banner_h + pad
    for number, text, colour, indented in rows:
        draw.text((pad, y), number, font=font, fill=_rgb(colour))
        draw.text((pad + indent if indented else pad, y), text, font=font,
                  fill=_rgb(WHITE if indented else colour))
        y += line_h
    return panel


def draw(image: np.ndarray, report: Report, scale: float = 1.0, lang: str = "en") -> np.ndarray:
    """Draw the report on a copy of ``image`` and add the verdict panel below it.

    Parameters
    ----------
    image : numpy.ndarray
        uint8 ``(H, W, 3)`` BGR, EXIF orientation applied.
    report : Report
        The photo's report (face geometry, crop and findings in full-res px).
    scale : float
        Pixels of ``image`` per original full-resolution pixel.
    lang : str
        ``ja`` or ``en``; Japanese falls back to English without a CJK font (:func:`language`).

    Returns
    -------
    numpy.ndarray
        BGR, ``W`` wide: the annotated photo in its first ``H`` rows, the panel below.
    """
    lang = language(lang)
    h, w = image.shape[:2]
    photo = Image.fromarray(np.ascontiguousarray(image[..., ::-1]))
    font_px = max(14, int(round(w / CHARS_PER_LINE)))
    cjk = lang == "ja"
    font, big = _font(font_px, cjk), _font(int(font_px * 1.3), cjk)
    canvas = _Canvas(ImageDraw.Draw(photo), scale, w, h, max(2, int(round(w / 200))), font,
                     big, lang)
    failing = _failing(report)
    _geometry(canvas, report, {f.check for f in failing if f.status is Status.FAIL})
    _marks(canvas, report, failing, w / scale)
    panel = _panel(report, failing, w, font, big, lang)
    out = Image.new("RGB", (w, h + panel.height))
    out.paste(photo, (0, 0))
    out.paste(panel, (0, h))
    return np.asarray(out)[..., ::-1].copy()


def render(source: str | os.PathLike[str] | bytes, report: Report, lang: str = "en"
           ) -> np.ndarray:
    """Decode ``source`` (EXIF orientation applied) and :func:`draw` ``report`` on it (BGR).

    Very large photos are drawn on a reduced decode (long side ≥ 1600 px). Raises
    ``OSError``/``ValueError`` when the photo cannot be decoded.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    head = decode.read_header(data)
    factor = decode.reduction_for(max(head.width, head.height), MAX_LONG_SIDE_PX)
    decoded = decode.decode(data, head, factor)
    return draw(decoded.bgr, report, decoded.scale, lang)


def render_png(source: str | os.PathLike[str] | bytes, report: Report, lang: str = "en"
               ) -> bytes:
    """The annotated picture of ``source`` as PNG bytes (what the CLI writes, the page shows)."""
    ok, png = cv2.imencode(".png", render(source, report, lang))
    if not ok:
        raise ValueError("cannot encode the annotation as PNG")
    return png.tobytes()


def annotate_file(source: str | os.PathLike[str] | bytes, report: Report,
                  out_path: str | os.PathLike[str], lang: str = "en") -> Path:
    """Draw ``report`` on ``source`` (:func:`render`) and write it (format from the suffix;
    PNG recommended). Returns the path written; ``OSError``/``ValueError`` on failure."""
    path = Path(out_path)
    if not cv2.imwrite(str(path), render(source, report, lang)):
        raise OSError(f"cannot write {path}")
    return path


def annotate_path(out: str | os.PathLike[str], photo: str | os.PathLike[str], count: int
                  ) -> Path:
    """Where to write the annotation of ``photo``: ``out`` itself for one photo, else
    ``out``'s stem + ``-<photo stem>`` + its suffix."""
    path = Path(out)
    if count <= 1:
        return path
    return path.with_name(f"{path.stem}-{Path(photo).stem}{path.suffix or '.png'}")
