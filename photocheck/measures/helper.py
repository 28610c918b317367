"""Measures for a helper entering an infant's photo (J-LIS: only the infant may appear; no
hands, arms, body or face of the person holding or positioning them).

Pure numpy/OpenCV: numbers and masks out, no thresholds from profiles, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

LUMA_FLOOR = 16.0  # video black: no colour is measured below it
MIN_CHROMA_SD = 6.0  # floor of the skin model's Cr/Cb spread: a helper's skin differs a little


@dataclass(frozen=True)
class SkinModel:
    """A Gaussian skin-colour model in (Cr, Cb), learnt from the face's own pixels.

    Attributes
    ----------
    mean : numpy.ndarray
        ``(2,)`` mean (Cr, Cb).
    inv_cov : numpy.ndarray
        ``(2, 2)`` inverse covariance.
    luma_median : float
        Median Y of the face (0–255).
    """

    mean: np.ndarray
    inv_cov: np.ndarray
    luma_median: float


def skin_model(ycrcb: np.ndarray, face_mask: np.ndarray) -> SkinModel | None:
    """Fit the skin model to the face pixels, robustly (eyes, brows, lips trimmed away).

    Parameters
    ----------
    ycrcb : numpy.ndarray
        uint8 ``(H, W, 3)`` YCrCb image.
    face_mask : numpy.ndarray
        bool ``(H, W)``: pixels of the face skin area (e.g. the mesh's cheeks and forehead).

    Returns
    -------
    SkinModel or None
        None when fewer than 50 face pixels are given.
    """
    pix = ycrcb[face_mask].astype(np.float64)
    if pix.shape[0] < 50:
        return None
    chroma = pix[:, 1:]
    mean = np.median(chroma, axis=0)
    cov = np.cov(chroma.T) + np.eye(2) * MIN_CHROMA_SD**2
    # one trimming pass: refit on the 80 % of pixels closest to the median
    d2 = np.einsum("ni,ij,nj->n", chroma - mean, np.linalg.inv(cov), chroma - mean)
    keep = d2 <= np.quantile(d2, 0.8)
    core = chroma[keep]
    mean = core.mean(axis=0)
    cov = np.cov(core.T) + np.eye(2) * MIN_CHROMA_SD**2
    return SkinModel(mean=mean, inv_cov=np.linalg.inv(cov),
                     luma_median=float(np.median(pix[keep, 0])))


@dataclass(frozen=True)
class Region:
    """A connected region (analysis px) with its area as a fraction of the frame.

    Attributes
    ----------
    area_frac : float
        Area / frame area.
    box : tuple of int
        ``(x0, y0, x1, y1)`` analysis px.
    touches_border : bool
        Whether it reaches the frame border.
    """

    area_frac: float
    box: tuple[int, int, int, int]
    touches_border: bool


def regions(mask: np.ndarray, border_px: int = 2) -> list[Region]:
    """Connected regions (8-connectivity) of a boolean mask, largest first."""
    h, w = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    out: list[Region] = []
    total = float(h * w)
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        touches = (x < border_px or y < border_px or x + bw > w - border_px
                   or y + bh > h - border_px)
        out.append(Region(area / total, (x, y, x + bw, y + bh), touches))
    out.sort(key=lambda r: -r.area_frac)
    return out


def detached_person_regions(prob: np.ndarray, seed_xy: tuple[float, float],
                            threshold: float = 0.5) -> tuple[list[Region], np.ndarray]:
    """Person-mask regions not connected to the region holding ``seed_xy`` (the infant's face).

    Returns
    -------
    (regions, infant) : list of Region, numpy.ndarray
        The other regions (largest first) and the bool mask of the infant's own region.
    """
    h, w = prob.shape
    binary = (prob > threshold).astype(np.uint8)
    _, labels = cv2.connectedComponents(binary, connectivity=8)
    sx = int(np.clip(round(seed_xy[0]), 0, w - 1))
    sy = int(np.clip(round(seed_xy[1]), 0, h - 1))
    own = labels[sy, sx]
    infant = labels == own if own > 0 else np.zeros_like(binary, bool)
    others = (binary > 0) & ~infant
    return regions(others), infant


def skin_like(
    ycrcb: np.ndarray, model: SkinModel, *, max_hue_deg: float = 15.0,
    chroma_range: tuple[float, float] = (0.5, 2.5), min_luma_frac: float = 0.35,
) -> np.ndarray:
    """Pixels of the same hue as the face's skin, in polar (Cr, Cb) around neutral grey.

    Another person's skin (a helper's hand) has about the same hue as the infant's but may
    be lighter, darker or more saturated (white balance, shade), so the test is a hue window
    and a wide range of chroma relative to luma, not a tight colour distance; greys and
    whites (sheets, walls) have too little chroma to pass.

    Parameters
    ----------
    ycrcb : numpy.ndarray
        uint8 ``(H, W, 3)``.
    model : SkinModel
        From the face's own pixels.
    max_hue_deg : float
        Largest hue difference from the face's, degrees.
    chroma_range : pair of float
        Allowed colourfulness (chroma / luma) as multiples of the face's.
    min_luma_frac : float
        Pixels darker than this fraction of the face's median luma are not skin.

    Returns
    -------
    numpy.ndarray
        bool ``(H, W)``.
    """
    cr = ycrcb[..., 1].astype(np.float32) - 128.0
    cb = ycrcb[..., 2].astype(np.float32) - 128.0
    fcr, fcb = float(model.mean[0]) - 128.0, float(model.mean[1]) - 128.0
    chroma = np.hypot(cr, cb)
    luma = ycrcb[..., 0].astype(np.float32)
    # hue difference via the normalised dot product (no per-pixel atan2)
    face_chroma = max(float(np.hypot(fcr, fcb)), 1.0)
    cos = (cr * fcr + cb * fcb) / np.maximum(chroma * face_chroma, 1e-6)
    # colourfulness relative to brightness: darker skin has proportionally less chroma
    sat = chroma / np.maximum(luma, LUMA_FLOOR)
    face_sat = max(face_chroma / max(model.luma_median, LUMA_FLOOR), 1e-3)
    return ((cos >= np.cos(np.radians(max_hue_deg)))
            & (sat >= chroma_range[0] * face_sat)
            & (sat <= chroma_range[1] * face_sat)
            & (luma >= min_luma_frac * model.luma_median))


@dataclass(frozen=True)
class Backdrop:
    """The backdrop's colour: median chroma per unit of luma and the spread it takes.

    Attributes
    ----------
    chroma : numpy.ndarray
        ``(2,)`` median (Cr, Cb) about neutral, over Y, scaled to Y = 128.
    limit : float
        Distance (same units) within which a pixel is of the backdrop's colour.
    """

    chroma: np.ndarray
    limit: float


def _norm_chroma(ycrcb: np.ndarray) -> np.ndarray:
    """(Cr, Cb) about neutral per unit of luma, scaled to Y = 128 (``(..., 2)`` float32):
    the same surface in shade keeps its value."""
    luma = np.maximum(ycrcb[..., 0].astype(np.float32), LUMA_FLOOR)[..., None]
    return (ycrcb[..., 1:].astype(np.float32) - 128.0) / luma * 128.0


def backdrop_colour(ycrcb: np.ndarray, person_prob: np.ndarray, *, band_frac: float = 0.04,
                    spread_k: float = 5.0, min_dist: float = 5.0) -> Backdrop | None:
    """The colour of the plain sheet or wall behind the infant, sampled along the border.

    The backdrop is sampled on a band along the frame border outside the person mask; a pixel
    whose chroma per unit of luma lies within ``spread_k`` robust standard deviations (at
    least ``min_dist``) of the sample's median is of the backdrop's colour, whatever its
    brightness (shading and vignetting scale chroma with luma). A helper's hand is another
    object: it differs in colour from the sheet even when both are warm-toned, and taking the
    sheet out keeps a hand from merging with a skin-toned backdrop.

    Parameters
    ----------
    ycrcb : numpy.ndarray
        uint8 ``(H, W, 3)``.
    person_prob : numpy.ndarray
        float ``(H, W)`` person probability (the backdrop is where it is below 0.3).
    band_frac : float
        Width of the border band sampled, as a fraction of the short side.
    spread_k, min_dist : float
        The distance (Cr, Cb units at Y = 128) within which a pixel is backdrop.

    Returns
    -------
    Backdrop or None
        None when fewer than 50 backdrop pixels are sampled.
    """
    h, w = person_prob.shape
    b = max(2, int(band_frac * min(h, w)))
    band = np.zeros((h, w), bool)
    band[:b] = band[-b:] = True
    band[:, :b] = band[:, -b:] = True
    sample = band & (person_prob < 0.3)
    if int(sample.sum()) < 50:
        return None
    chroma = _norm_chroma(ycrcb[sample])
    median = np.median(chroma, axis=0)
    dev = np.hypot(*(chroma - median).T)
    return Backdrop(median, max(min_dist, spread_k * 1.4826 * float(np.median(dev))))


def backdrop_like(ycrcb: np.ndarray, backdrop: Backdrop | None) -> np.ndarray:
    """Pixels of the backdrop's colour (bool ``(...)``, the shape of ``ycrcb[..., 0]``);
    all False without a backdrop."""
    if backdrop is None:
        return np.zeros(ycrcb.shape[:-1], bool)
    d = _norm_chroma(ycrcb) - backdrop.chroma.astype(np.float32)
    return d[..., 0] ** 2 + d[..., 1] ** 2 <= backdrop.limit**2


def body_exit_mask(h: int, w: int, chin_xy: np.ndarray, down: np.ndarray,
                   offset_px: float) -> np.ndarray:
    """Border pixels (in :func:`perimeter` order) lying beyond the chin along the face's down
    axis by at least ``offset_px``: where the infant's body may leave the frame."""
    ys, xs, _ = perimeter(h, w)
    along = (xs - chin_xy[0]) * down[0] + (ys - chin_xy[1]) * down[1]
    return along >= offset_px


def perimeter(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frame's border pixels in clockwise order from the top-left corner.

    Returns
    -------
    (ys, xs, edge) : numpy.ndarray
        Row and column of each border pixel and its edge: 0 top, 1 right, 2 bottom, 3 left.
    """
    xs_top, ys_top = np.arange(w), np.zeros(w, int)
    ys_right, xs_right = np.arange(1, h), np.full(h - 1, w - 1)
    xs_bottom, ys_bottom = np.arange(w - 2, -1, -1), np.full(w - 1, h - 1)
    ys_left, xs_left = np.arange(h - 2, 0, -1), np.zeros(h - 2, int)
    ys = np.concatenate([ys_top, ys_right, ys_bottom, ys_left])
    xs = np.concatenate([xs_top, xs_right, xs_bottom, xs_left])
    edge = np.concatenate([np.zeros(w, int), np.ones(h - 1, int), np.full(w - 1, 2),
                           np.full(h - 2, 3)])
    return ys, xs, edge


def border_runs(contact: np.ndarray, max_gap: int = 3) -> list[tuple[int, int]]:
    """Runs of True in a circular 1-D array, ``(start, length)``; gaps ≤ ``max_gap`` joined."""
    n = contact.size
    if not contact.any():
        return []
    if contact.all():
        return [(0, n)]
    # rotate so the sequence starts on a False: no run wraps around
    shift = int(np.argmin(contact))
    seq = np.roll(contact, -shift).astype(np.int8)
    edges = np.diff(np.concatenate([[0], seq, [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    runs: list[list[int]] = []
    for a, b in zip(starts, ends, strict=True):
        if runs and a - runs[-1][1] <= max_gap:
            runs[-1][1] = int(b)
        else:
            runs.append([int(a), int(b)])
    return [((a + shift) % n, b - a) for a, b in runs]


def border_skin_regions(
    ycrcb: np.ndarray, model: SkinModel, head: np.ndarray, body_edge: int,
    body_exit: np.ndarray, *,
    max_hue_deg: float = 15.0, chroma_range: tuple[float, float] = (0.5, 2.5),
    min_luma_frac: float = 0.35, min_run_frac: float = 0.02, long_run_frac: float = 0.2,
    max_run_frac: float = 0.35, face_mask: np.ndarray | None = None,
    max_texture_ratio: float = 2.0, join_zone: np.ndarray | None = None,
    backdrop: Backdrop | None = None, entry_reach_frac: float = 0.1,
) -> list[Region]:
    """Skin-coloured regions coming in through the frame border where the infant's body does not.

    The infant's own skin leaves the frame only as its body does: in one long stretch of
    border below the chin (shoulders, chest), or, for skin joined to the head below the eyes
    (neck, a bare chest), through the edge the chin points to (``body_edge``). A helper's hand
    or arm comes in through a stretch of border about its own width — through any edge, also
    the bottom one, and also when it lies on the infant's neck or chest.

    Parameters
    ----------
    ycrcb : numpy.ndarray
        uint8 ``(H, W, 3)``.
    model : SkinModel
        From the infant's own face.
    head : numpy.ndarray
        bool ``(H, W)``: the infant's head (face grown to ears and hair); never a helper.
    body_edge : int
        The edge the chin points to: 0 top, 1 right, 2 bottom, 3 left.
    body_exit : numpy.ndarray
        bool, one per border pixel in :func:`perimeter` order: where the infant's shoulders
        may leave the frame (below the chin along the face's axis).
    max_hue_deg, chroma_range, min_luma_frac :
        The skin test, see :func:`skin_like`.
    min_run_frac : float
        Shortest stretch of border contact that counts, as a fraction of the short side.
    long_run_frac : float
        A stretch at least this long (fraction of the short side) below the chin is the
        infant's shoulder or body.
    max_run_frac : float
        Longest stretch a limb coming in can touch (straight-line extent, fraction of the
        short side; a limb crossing a corner touches two edges but not far apart).
    face_mask : numpy.ndarray, optional
        bool ``(H, W)`` face skin pixels; when given, a region whose median luma gradient
        over luma where it comes in (within ``entry_reach_frac`` of the short side of its stretch of
        border) is more than ``max_texture_ratio`` times the face's is hair or fabric.
    max_texture_ratio, entry_reach_frac : float
        See ``face_mask``.
    join_zone : numpy.ndarray, optional
        bool ``(H, W)``: where a region may join the head to count as the infant's own neck
        or chest (below the eyes); default everywhere.
    backdrop : Backdrop, optional
        The backdrop's colour (:func:`backdrop_colour`): pixels of it are never skin.
    """
    h, w = ycrcb.shape[:2]
    skin = _skin_candidates(ycrcb, model, head, backdrop, max_hue_deg=max_hue_deg,
                            chroma_range=chroma_range, min_luma_frac=min_luma_frac)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(skin, 8)
    joined = _joined_to_head(skin, labels, head, join_zone)
    grad, face_grad = _relative_gradient(ycrcb, face_mask)
    short = min(h, w)
    min_run = max(3, int(min_run_frac * short))
    long_run = max(min_run + 1, int(long_run_frac * short))
    contact = _BorderContact(labels, min_run=min_run, long_run=long_run,
                             max_run=max(long_run, int(max_run_frac * short)),
                             reach=max(3, int(entry_reach_frac * short)))
    out: list[Region] = []
    total = float(h * w)
    for label in np.unique(contact.on_border[contact.on_border > 0]):
        own = int(label) in joined
        if _comes_in_as_a_limb(contact, labels, label, own, body_edge, body_exit, grad,
                               max_texture_ratio * face_grad):
            x, y0, bw, bh, area = (int(v) for v in stats[label])
            out.append(Region(area / total, (x, y0, x + bw, y0 + bh), True))
    out.sort(key=lambda r: -r.area_frac)
    return out


def _skin_candidates(ycrcb: np.ndarray, model: SkinModel, head: np.ndarray,
                     backdrop: Backdrop | None, *, max_hue_deg: float,
                     chroma_range: tuple[float, float], min_luma_frac: float) -> np.ndarray:
    """uint8 mask of skin-like pixels outside the head and the backdrop's colour, opened to
    remove speckle."""
    h, w = ycrcb.shape[:2]
    skin = skin_like(ycrcb, model, max_hue_deg=max_hue_deg, chroma_range=chroma_range,
                     min_luma_frac=min_luma_frac) & ~head
    if backdrop is not None:
        # only the candidate pixels are compared with the sheet's colour
        rows, cols = np.nonzero(skin)
        sheet = backdrop_like(ycrcb[rows, cols], backdrop)
        skin[rows[sheet], cols[sheet]] = False
    # opening removes speckle of skin-like pixels in the background texture
    o = max(3, int(round(0.0075 * min(h, w))) | 1)  # 5 px on a 675-px frame
    return cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_OPEN, np.ones((o, o), np.uint8))


def _joined_to_head(skin: np.ndarray, labels: np.ndarray, head: np.ndarray,
                    join_zone: np.ndarray | None) -> set[int]:
    """Labels (of ``labels``, the regions of ``skin``) broadly joined to the head within
    ``join_zone``: the infant's own neck or chest."""
    h, w = skin.shape[:2]
    # decide on an eroded mask so that a thin touch (fingers on the cheek's edge) does not count
    k = max(3, int(0.015 * min(h, w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    _, core = cv2.connectedComponents(cv2.erode(skin, kernel), connectivity=8)
    # the erosion moved the skin away from the head by k/2: reach that far and more
    ring = cv2.dilate(head.astype(np.uint8), np.ones((2 * k + 1, 2 * k + 1), np.uint8)) > 0
    if join_zone is not None:
        ring &= join_zone
    joined_labels = set(np.unique(core[ring]).tolist()) - {0}
    if not joined_labels:
        return set()
    return set(np.unique(labels[np.isin(core, list(joined_labels))]).tolist()) - {0}


def _relative_gradient(ycrcb: np.ndarray, face_mask: np.ndarray | None
                       ) -> tuple[np.ndarray | None, float]:
    """Luma gradient over luma per pixel and its median on the face skin; (None, 0) without
    face pixels. Skin is smooth; hair and fabric of a skin-like hue are textured."""
    if face_mask is None or not face_mask.any():
        return None, 0.0
    y = cv2.GaussianBlur(ycrcb[..., 0].astype(np.float32), (3, 3), 0)
    grad = np.hypot(cv2.Sobel(y, cv2.CV_32F, 1, 0), cv2.Sobel(y, cv2.CV_32F, 0, 1))
    # relative to brightness (Weber contrast): dark hair is as textured as fair hair
    grad = grad / np.maximum(y, LUMA_FLOOR)
    return grad, max(float(np.median(grad[face_mask])), 0.01)


class _BorderContact:
    """Which region each frame-border pixel touches, and the stretch lengths that matter (px).

    A border pixel belongs to a region when the region holds it or the pixel next inside.
    """

    def __init__(self, labels: np.ndarray, *, min_run: int, long_run: int, max_run: int,
                 reach: int) -> None:
        h, w = labels.shape
        self.ys, self.xs, self.edge = perimeter(h, w)
        ys, xs, edge = self.ys, self.xs, self.edge
        inner_y = np.clip(ys + (edge == 0) - (edge == 2), 0, h - 1)
        inner_x = np.clip(xs - (edge == 1) + (edge == 3), 0, w - 1)
        self.on_border = np.maximum(labels[ys, xs], labels[inner_y, inner_x])
        self.min_run, self.long_run, self.max_run, self.reach = min_run, long_run, max_run, reach


def _comes_in_as_a_limb(contact: _BorderContact, labels: np.ndarray, label: int, own: bool,
                        body_edge: int, body_exit: np.ndarray, grad: np.ndarray | None,
                        max_texture: float) -> bool:
    """Whether region ``label`` comes in through a stretch of border the way a limb does (not
    the infant's body, not a skin-toned backdrop), smooth like skin where it comes in (median
    relative gradient ≤ ``max_texture``; not checked without ``grad``)."""
    xs, ys, edge = contact.xs, contact.ys, contact.edge
    for start, length in border_runs(contact.on_border == label):
        idx = (start + np.arange(length)) % edge.size
        # straight-line extent: a limb crossing a corner touches two edges
        extent = float(np.hypot(xs[idx[-1]] - xs[idx[0]], ys[idx[-1]] - ys[idx[0]])) + 1.0
        below_chin = bool(np.any(edge[idx] == body_edge)) or bool(np.any(body_exit[idx]))
        # the body leaves in one long stretch below the chin; the neck-and-chest skin
        # (joined to the head) may also leave through the chin's edge in a short one
        body = (extent >= contact.long_run and below_chin) or (
            own and bool(np.any(edge[idx] == body_edge)))
        # a stretch longer than ``max_run`` is a skin-toned backdrop or garment
        if not contact.min_run <= extent <= contact.max_run or body:
            continue
        if grad is None:
            return True
        # skin is smooth where the limb comes in (hair of the same hue that it merges
        # with further in does not count): the region within ``reach`` of this stretch
        reach = contact.reach
        x0, x1 = max(0, int(xs[idx].min()) - reach), int(xs[idx].max()) + reach + 1
        y0, y1 = max(0, int(ys[idx].min()) - reach), int(ys[idx].max()) + reach + 1
        near = labels[y0:y1, x0:x1] == label
        if float(np.median(grad[y0:y1, x0:x1][near])) <= max_texture:
            return True
    return False
