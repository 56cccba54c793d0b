"""Printed material: public links and QR codes for letters and posters."""

from __future__ import annotations

import segno
from flask import current_app, url_for
from markupsafe import Markup


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for mail and paper: on PUBLIC_BASE_URL when configured
    (always in production), never on a Host header an attacker could choose."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def qr_svg(data: str, title: str) -> Markup:
    """An inline, labelled SVG QR code for ``data`` (our own URL, never user HTML)."""
    svg = segno.make(data, error="m").svg_inline(
        scale=4,
        title=str(title),
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,
    )
    # segno escapes the title; the data is our own URL: no user HTML in here.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704  # nosec B704
