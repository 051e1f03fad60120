"""Check one or more .po files: complete, same placeholders, compiles. Usage: check_po.py FILE..."""

import io
import re
import sys

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PH = re.compile(r"\{(\w*)\}")
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def check(path: str) -> list[str]:
    problems = []
    with open(path, "rb") as fh:
        cat = read_po(fh, abort_invalid=True)
    for m in cat:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strs = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set(PH.findall(ids[0])) | (set(PH.findall(ids[1])) if len(ids) > 1 else set())
        if m.fuzzy:
            problems.append(f"{m.lineno}: fuzzy: {ids[0][:50]!r}")
        if len(ids) > 1 and len(strs) != cat.num_plurals:
            problems.append(f"{m.lineno}: needs {cat.num_plurals} plural forms")
        for s in strs:
            if not s:
                problems.append(f"{m.lineno}: untranslated: {ids[0][:50]!r}")
                continue
            got = set(PH.findall(s))
            # A plural form may spell the number as a word and drop {n}.
            ok = got <= want if len(ids) > 1 else got == want
            if not ok:
                problems.append(f"{m.lineno}: placeholders {sorted(got)} != {sorted(want)}")
            if s == ids[0] and len(re.sub(r"[^\w]|\{\w*\}", "", PH.sub("", s))) > 12:
                problems.append(f"{m.lineno}: copied source text: {s[:50]!r}")
            if BIDI.search(s):
                problems.append(f"{m.lineno}: contains bidi control characters")
    write_mo(io.BytesIO(), cat)
    return problems


if __name__ == "__main__":
    bad = 0
    for p in sys.argv[1:]:
        probs = check(p)
        bad += len(probs)
        print(f"{p}: {'OK' if not probs else str(len(probs)) + ' problems'}")
        for x in probs[:60]:
            print("  ", x)
    sys.exit(1 if bad else 0)
