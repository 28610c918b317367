"""The print as a rectangle in scan px: its corners, rotation and size, and their algebra."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PrintRect:
    """The print found in a scan, as an (almost) rectangle in full-resolution scan px.

    Attributes
    ----------
    quad : numpy.ndarray
        ``(4, 2)`` corners: top-left, top-right, bottom-right, bottom-left (of the upright print).
    rotation_deg : float
        The print's rotation on the bed, counter-clockwise on screen positive; deskewing undoes it.
    width_px, height_px : float
        Side lengths in scan px.
    whole_scan : bool
        No bed was found around it: the scan is taken to be the print.
    """

    quad: np.ndarray
    rotation_deg: float
    width_px: float
    height_px: float
    whole_scan: bool = False

    def print_to_scan(self) -> np.ndarray:
        """``(2, 3)`` affine from upright print px (origin top-left, scan px units) to scan px."""
        t = np.deg2rad(self.rotation_deg)
        c, s = np.cos(t), np.sin(t)
        centre = self.quad.mean(axis=0)
        lin = np.array([[c, s], [-s, c]])
        origin = centre - lin @ np.array([self.width_px / 2, self.height_px / 2])
        return np.column_stack([lin, origin])


def apply_affine(m: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The point ``p`` (x, y) moved by the ``(2, 3)`` affine ``m``."""
    return m[:, :2] @ np.asarray(p, float) + m[:, 2]


def intersect_lines(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
                    ) -> np.ndarray | None:
    """Where two lines, each ``(point, direction)``, cross (None when they are parallel)."""
    (p, d), (q, e) = a, b
    m = np.array([d, -e]).T
    if abs(np.linalg.det(m)) < 1e-9:
        return None
    t = np.linalg.solve(m, q - p)
    return p + t[0] * d


def rect_from_quad(quad: np.ndarray) -> PrintRect:
    """Order a quad upright (portrait or landscape as found) and measure it as a rectangle."""
    centre = quad.mean(axis=0)
    # order by angle around the centre, starting at top-left (screen coordinates)
    ang = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    q = quad[np.argsort(ang)]  # from -pi: top-left first for small rotations
    # make q[0] the corner with the smallest x+y (top-left), keep clockwise order
    start = int(np.argmin(q.sum(axis=1)))
    q = np.roll(q, -start, axis=0)
    tl, tr, br, bl = q
    top, bottom = tr - tl, br - bl
    left, right = bl - tl, br - tr
    # rotation from the four sides: horizontal sides' direction and vertical sides' normal
    angles = [np.arctan2(-top[1], top[0]), np.arctan2(-bottom[1], bottom[0]),
              np.arctan2(left[0], left[1]), np.arctan2(right[0], right[1])]
    rot = float(np.rad2deg(np.arctan2(np.mean(np.sin(angles)), np.mean(np.cos(angles)))))
    width = float((np.hypot(*top) + np.hypot(*bottom)) / 2)
    height = float((np.hypot(*left) + np.hypot(*right)) / 2)
    return PrintRect(q, rot, width, height)


def rect_from_sides(quad: np.ndarray, measured: np.ndarray) -> PrintRect:
    """:func:`rect_from_quad` of a TL, TR, BR, BL quad, its rotation from the measured sides.

    A side kept from the small copy (no clear step at full resolution) is less straight than
    one measured on the full scan: it does not vote on the rotation unless none was measured.
    """
    rect = rect_from_quad(quad)
    if measured.all() or not measured.any() or not np.allclose(rect.quad, quad):
        return rect
    v = np.roll(quad, -1, axis=0) - quad  # top, right, bottom, left (clockwise)
    angles = np.array([np.arctan2(-v[0, 1], v[0, 0]), np.arctan2(v[1, 0], v[1, 1]),
                       np.arctan2(v[2, 1], -v[2, 0]), np.arctan2(-v[3, 0], -v[3, 1])])[measured]
    rot = float(np.rad2deg(np.arctan2(np.mean(np.sin(angles)), np.mean(np.cos(angles)))))
    return PrintRect(rect.quad, rot, rect.width_px, rect.height_px)


def inset(rect: PrintRect, by_px: float) -> PrintRect:
    """The same rectangle shrunk by ``by_px`` on every side (keeps bed pixels out of crops)."""
    if rect.whole_scan or by_px <= 0:
        return rect
    centre = rect.quad.mean(axis=0)
    w, h = max(1.0, rect.width_px - 2 * by_px), max(1.0, rect.height_px - 2 * by_px)
    t = np.deg2rad(rect.rotation_deg)
    lin = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    local = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2.0
    return PrintRect(local @ lin.T + centre, rect.rotation_deg, w, h, False)


def turn_rect(rect: PrintRect, turn: int) -> PrintRect:
    """The same physical rectangle with its upright frame turned by ``turn``×90° clockwise."""
    # +90° makes the old left side (bottom → top) the new top side: TL' = BL
    q = np.roll(rect.quad, turn, axis=0) if turn else rect.quad
    rot = rect.rotation_deg + 90.0 * turn
    rot = (rot + 180.0) % 360.0 - 180.0
    w, h = (rect.height_px, rect.width_px) if turn % 2 else (rect.width_px, rect.height_px)
    return PrintRect(q, rot, w, h, rect.whole_scan)
