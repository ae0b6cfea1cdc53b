"""Rebuild the CJK font subset that custvalue.plotting bundles.

The plots draw Latin text with DejaVu Sans (shipped with matplotlib) and Chinese text with a
small subset of Noto Sans CJK SC Regular and Bold (SIL Open Font License 1.1) holding exactly the
characters of the Chinese labels and plot texts in ``custvalue.labels`` plus common CJK
punctuation, renamed "custvalue CJK" as the licence asks of modified versions. Run this after
adding Chinese labels whose characters the subset lacks (tests/test_plotting.py checks the
coverage)::

    apt-get install fonts-noto-cjk        # the source font (Debian / Ubuntu)
    python tools/make_cjk_font.py [folder with NotoSansCJK-Regular.ttc and -Bold.ttc]

Needs fontTools, which matplotlib already depends on.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from custvalue.labels import LABELS, PLOT_TEXTS

SOURCE = Path("/usr/share/fonts/opentype/noto")
TARGETS = Path(__file__).parents[1] / "src/custvalue/_plotting/fonts"
WEIGHTS = ("Regular", "Bold")
FAMILY = "custvalue CJK"
PUNCTUATION = "，。、：；！？（）《》「」『』【】“”‘’·—…％～　"


def is_cjk(ch: str) -> bool:
    """Characters DejaVu Sans does not draw: CJK scripts, symbols and full-width forms."""
    return ord(ch) >= 0x2E80 and not 0xFFF0 <= ord(ch) <= 0xFFFF


def characters() -> str:
    texts = [lab["zh"] for kind in LABELS.values() for lab in kind.values()]
    texts += [t["zh"] for t in PLOT_TEXTS.values()]
    return "".join(sorted({ch for t in texts for ch in t if is_cjk(ch)} | set(PUNCTUATION)))


def simplified_chinese(source: Path) -> TTFont:
    if source.suffix.lower() != ".ttc":
        return TTFont(source)
    for i, font in enumerate(TTCollection(source).fonts):
        if font["name"].getDebugName(1) == "Noto Sans CJK SC":
            return TTFont(source, fontNumber=i)
    raise SystemExit(f"{source} has no 'Noto Sans CJK SC' face")


def make(source: Path, weight: str) -> None:
    font = simplified_chinese(source)
    version = f"{font['head'].fontRevision:.3f}"
    options = subset.Options()
    options.layout_features = []  # no shaping needed for these characters
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 10, 13, 14]
    options.name_languages = [0x409]
    text = characters()
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 6, 10):
            name.removeNames(nameID=rec.nameID)
    name.setName(FAMILY, 1, 3, 1, 0x409)
    name.setName(f"{FAMILY} {weight}; subset of Noto Sans CJK SC {version}", 3, 3, 1, 0x409)
    name.setName(FAMILY if weight == "Regular" else f"{FAMILY} {weight}", 4, 3, 1, 0x409)
    name.setName(f"custvalueCJK-{weight}", 6, 3, 1, 0x409)
    name.setName(
        f"Subset of Noto Sans CJK SC {weight} {version} holding the {len(text)} characters "
        "of custvalue's Chinese labels; renamed as SIL OFL 1.1 asks of modified versions.",
        10,
        3,
        1,
        0x409,
    )
    if "CFF " in font:  # the CFF table carries its own copy of the names
        cff = font["CFF "].cff
        cff.fontNames = [f"custvalueCJK-{weight}"]
        top = cff.topDictIndex[0]
        top.FullName = FAMILY if weight == "Regular" else f"{FAMILY} {weight}"
        top.FamilyName = FAMILY
    target = TARGETS / f"custvalue-cjk-{weight.lower()}.otf"
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)
    print(f"{target}: {len(text)} characters, {target.stat().st_size:,} bytes")  # noqa: T201


def main(argv: list[str]) -> None:
    folder = Path(argv[1]) if len(argv) > 1 else SOURCE
    for weight in WEIGHTS:
        make(folder / f"NotoSansCJK-{weight}.ttc", weight)


if __name__ == "__main__":
    main(sys.argv)
