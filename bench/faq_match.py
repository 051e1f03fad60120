"""FAQ matching time: every question of the labelled set through the shipped index.

python bench/faq_match.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.faq.evaluate import read_set  # noqa: E402
from tests.test_faq_eval import EVAL, shipped_index  # noqa: E402


def main() -> int:
    started = time.perf_counter()
    index = shipped_index()
    built = time.perf_counter() - started
    rows = read_set(sorted(EVAL.glob("*.csv")))
    times = []
    for lang, question, _expected in rows * 3:
        t = time.perf_counter()
        index.decide(question, lang)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"index built in {built * 1000:.0f} ms")
    print(
        f"{len(times)} decisions: p50 {statistics.median(times) * 1000:.2f} ms, p99 {times[int(len(times) * 0.99)] * 1000:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
