"""Builds AsklakeGothic-Regular.ttf: a subset of NanumGothic renamed as the SIL OFL 1.1 requires (see README.md)."""
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE, OUTPUT = sys.argv[1], sys.argv[2]
FAMILY = "AsklakeGothic"
UNICODES = (
    "U+0020-007E,U+00A0-00FF,U+2010-2027,U+2030-203A,U+2190-2193,U+2212,U+2026,U+25A1,"
    "U+3000-303F,U+3131-318E,U+AC00-D7A3,U+FF01-FF5E"
)

subset.main([
    SOURCE, f"--unicodes={UNICODES}", "--layout-features=", "--no-hinting", "--desubroutinize",
    "--name-IDs=0,1,2,3,4,5,6", f"--output-file={OUTPUT}",
])

font = TTFont(OUTPUT)
names = font["name"]
for record in list(names.names):
    if record.nameID in (1, 3, 4, 6):
        names.removeNames(nameID=record.nameID)
names.setName(FAMILY, 1, 3, 1, 0x409)
names.setName(f"{FAMILY}-Regular; subset of NanumGothic 3.021", 3, 3, 1, 0x409)
names.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
names.setName(f"{FAMILY}-Regular", 6, 3, 1, 0x409)
names.setName("Modified (subset, renamed) from NanumGothic by the asklake project; SIL OFL 1.1", 10, 3, 1, 0x409)
font.save(OUTPUT)
