"""FAQ matching time: every question of the labelled sets through the shipped index, and the same
questions through a difflib baseline over the same index's example questions.

python bench/faq_match.py [--rounds N] [--difflib-rounds N] [CSV ...]   (default: all sets)

The matcher times ``decide`` (ranking and decision) with the whole index; difflib ranks every
example question of every language by ``SequenceMatcher.ratio`` on the normalised text
(``get_close_matches(question, examples, n=3, cutoff=0)``) and takes the entry of the best one.
Both also report their top-1 accuracy on the answerable questions, so the comparison is not
only one of speed. A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import difflib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.faq.evaluate import read_set  # noqa: E402
from bot.core.faq.index import reader_languages  # noqa: E402
from bot.core.faq.normalize import normalize  # noqa: E402
from tests.test_faq_eval import EVAL, shipped_examples, shipped_index  # noqa: E402


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[
        min(len(times) - 1, int(len(times) * 0.99))
    ] * 1000


def _timed(
    rows: list[tuple[str, str, str]], rounds: int, match: Callable[[str, str], str | None]
) -> tuple[list[float], int]:
    times: list[float] = []
    right = 0
    for round_ in range(rounds):
        for lang, question, expected in rows:
            started = time.perf_counter()
            got = match(question, lang)
            times.append(time.perf_counter() - started)
            right += round_ == 0 and expected != "none" and got == expected
    return times, right


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the set (matcher)")
    parser.add_argument("--difflib-rounds", type=int, default=1, help="passes (difflib)")
    parser.add_argument("sets", nargs="*", type=Path, help="labelled sets (default: all)")
    args = parser.parse_args()

    paths = args.sets or sorted(EVAL.glob("*.csv"))
    rows = read_set(paths)
    started = time.perf_counter()
    index = shipped_index()
    # The bot builds the index of a reader's languages in a thread before the first question
    # in them is matched; so here, outside the timing.
    groups = {reader_languages(question, lang) for lang, question, _e in rows}
    for lang, question, _e in rows:
        index.prepare(question, lang)
    built = time.perf_counter() - started
    answerable = sum(1 for _l, _q, expected in rows if expected != "none")

    def ours(question: str, lang: str) -> str | None:
        decision = index.decide(question, lang)
        return decision.slugs[0] if decision.slugs else None

    examples: dict[str, str] = {}
    for slug, _lang, text, keyword in shipped_examples():
        if not keyword:
            examples.setdefault(normalize(text), slug)
    texts = list(examples)

    def baseline(question: str, _lang: str) -> str | None:
        found = difflib.get_close_matches(normalize(question), texts, n=3, cutoff=0.0)
        return examples[found[0]] if found else None

    ours(rows[0][1], rows[0][0])  # warm caches (rapidfuzz, regexes) outside the timing
    times, right = _timed(rows, args.rounds, ours)
    base_times, base_right = _timed(rows, args.difflib_rounds, baseline)
    p50, p99 = _percentiles(times)
    b50, b99 = _percentiles(base_times)
    print(
        f"index: {len(set(examples.values()))} entries, {len(texts)} distinct example "
        f"questions, {len(groups)} language sets built in {built * 1000:.0f} ms"
    )
    names = ", ".join(path.name for path in paths)
    print(f"questions: {len(rows)} ({answerable} answerable) from {names}")
    print(
        f"matcher: {len(times)} decisions, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"top-1 {right / answerable:.1%} of answerable"
    )
    print(
        f"difflib: {len(base_times)} rankings, p50 {b50:.2f} ms, p99 {b99:.2f} ms, "
        f"top-1 {base_right / answerable:.1%} of answerable"
    )
    print(f"difflib / matcher: p50 x{b50 / p50:.1f}, p99 x{b99 / p99:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
