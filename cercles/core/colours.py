"""Colour contrast as WCAG 2.1 computes it (relative luminance), for the programme's accent colour."""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
# The accent carries white button labels and is the colour of links on white: normal text, 4.5:1.
MINIMUM_TEXT_CONTRAST = 4.5


def rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` → (r, g, b); raises ValueError for anything else."""
    if not HEX_COLOUR.match(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(red: float, green: float, blue: float) -> float:
    def linear(channel: float) -> float:
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    lighter, darker = sorted((relative_luminance(*first), relative_luminance(*second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darker(colour: str, factor: float = 0.85) -> str:
    """The same hue, darker: the hover and active states of buttons."""
    return "#" + "".join(f"{round(channel * factor):02x}" for channel in rgb(colour))
