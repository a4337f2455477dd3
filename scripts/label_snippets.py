"""The labelling aid behind tests/labels/ashby_labels.jsonl (see README, "How far to
trust the numbers").

    python scripts/label_snippets.py sample            # the (board, id) list to label
    python scripts/label_snippets.py show FIRST COUNT  # snippets of those postings
    python scripts/label_snippets.py --dev-rest show FIRST COUNT  # the second dev batch
    python scripts/label_snippets.py --test-rest show FIRST COUNT  # the third, test batch
    python scripts/label_snippets.py --dev-blind show FIRST COUNT  # the dev half, again blind
    python scripts/label_snippets.py --test-blind show FIRST COUNT  # the test half, a 2nd hand

``sample`` picks whole companies at random (crawler.enrich.score.SAMPLE_SEED) until
at least --postings postings are chosen. ``--dev-rest`` is the second batch: the
companies after those, in the same shuffled order, of the dev half only (all their
postings): the test half gets no labels from it. ``--test-rest`` is the third batch: the
same for the test half. ``--dev-blind`` is every dev-half posting again, in the same
company order, to relabel its asks and roles blind (its first labels started from the
tagger's verdicts). ``--test-blind`` is the same for the test half: a second, independent
labelling of its asks and roles, to measure how far two labellers agree (never to
tune). For these ``show`` hides the tagger's ``asks_for_ai`` and
``is_ai_role`` verdicts, so the labeller judges those blind. ``show`` prints, for each
chosen posting, its title and every sentence that hits a deliberately broad AI net (far
wider than the taxonomy) with the heading above it, and the tagger's output of the day
(tags, seniority) as a starting point the labeller corrects. Postings with no hit at all
are labelled as not mentioning AI. Prints to the terminal only: posting texts never enter
the project.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.enrich.score import (
    DEFAULT_CORPUS,
    SAMPLE_SEED,
    assess,
    load_corpus,
    split_boards,
)
from crawler.enrich.sections import headings_from_tree, section_at, split_sections
from crawler.text.html import parse_fragment, sanitize_html, tree_to_text

NET = re.compile(r"\b(AI|A\.I\.|ML|LLMs?|GPT\w*|NLP|RAG|RL|CV|MCP|JAX|GenAI|evals?)\b")
NET_WORDS = re.compile(
    r"\b(model|artificial|intelligen|machine|deep learning|deep neural|neural|agent"
    r"|computer vision|vision model|vision-language|machine vision|generative|pytorch"
    r"|tensorflow|torch|keras|embedding|vector|prompt|copilot|cursor|claude|gemini|openai"
    r"|anthropic|inference|gpu|cuda|tpu|transformer|speech|recommend|ranking|safety research"
    r"|ai safety|alignment|interpretab|fine-?tun|langchain|hugging|chatbot|semantic"
    r"|retrieval|language model|natural language|language processing|learning (model|system"
    r"|algorithm)|reinforcement|supervised|autonomous|predict|annotat|data label"
    r"|data scien)",
    re.IGNORECASE,
)


def sample(corpus: dict, postings: int) -> list[tuple[str, str]]:
    by_board: dict[str, list[str]] = {}
    for board, job_id in sorted(corpus):
        by_board.setdefault(board, []).append(job_id)
    boards = sorted(by_board)
    random.Random(SAMPLE_SEED).shuffle(boards)
    chosen: list[tuple[str, str]] = []
    for board in boards:
        if len(chosen) >= postings:
            break
        chosen += [(board, job_id) for job_id in by_board[board]]
    return chosen


def rest(corpus: dict, postings: int, half: str) -> list[tuple[str, str]]:
    """One half's companies' postings that ``sample`` left out, in its company order."""
    chosen = set(sample(corpus, postings))
    halves = split_boards(board for board, _ in corpus)
    return [
        key for key in sample(corpus, len(corpus)) if key not in chosen and halves[key[0]] == half
    ]


def sentences(text: str):
    for match in re.finditer(r"[^\n.!?]+[.!?]?", text):
        yield match.start(), match.group(0).strip()


def show(
    corpus: dict, chosen: list[tuple[str, str]], first: int, count: int, blind: bool = False
) -> None:
    """With ``blind``, the tagger's asks_for_ai and is_ai_role are not printed (as "?")."""
    halves = split_boards(board for board, _ in corpus)
    part = chosen[first : first + count]
    items = assess([(board, corpus[(board, job_id)]) for board, job_id in part])
    shown: set[tuple[str, str]] = set()  # a board's boilerplate is shown once
    for index, ((board, job_id), item) in enumerate(zip(part, items, strict=True), first):
        job = corpus[(board, job_id)]
        html = sanitize_html(job.get("descriptionHtml") or "")
        tree = parse_fragment(html) if html else None
        text = tree_to_text(tree) if tree is not None else ""
        sections = split_sections(text, headings_from_tree(tree)) if text else []
        flags = "".join(
            "?" if blind and name != "mentions_ai" else letter if item.get(name) else "-"
            for letter, name in (("m", "mentions_ai"), ("a", "asks_for_ai"), ("r", "is_ai_role"))
        )
        print(f"#{index} [{halves[board]}] {board} | {job.get('title')} | "
              f"{job.get('department')} || {flags} {','.join(item.get('ai_skills') or [])}"
              f" sen={item.get('seniority')}")  # fmt: skip
        for start, sentence in sentences(text):
            if (board, sentence) in shown:
                continue
            if NET.search(sentence) or NET_WORDS.search(sentence):
                shown.add((board, sentence))
                section = section_at(sections, start) if sections else None
                where = f"{section.kind}:{(section.heading or '')[:30]}" if section else "-"
                print(f"   [{where}] {sentence[:180]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=("sample", "show"))
    parser.add_argument("first", nargs="?", type=int, default=0)
    parser.add_argument("count", nargs="?", type=int, default=50)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--postings", type=int, default=620)
    parser.add_argument("--dev-rest", action="store_true",
                        help="the second batch: the dev half's other companies")  # fmt: skip
    parser.add_argument("--test-rest", action="store_true",
                        help="the third batch: the test half's other companies, blind on "
                        "asks_for_ai and is_ai_role")  # fmt: skip
    parser.add_argument("--dev-blind", action="store_true",
                        help="the whole dev half, blind on asks_for_ai and is_ai_role")  # fmt: skip
    parser.add_argument("--test-blind", action="store_true",
                        help="the whole test half, blind: a second labelling")  # fmt: skip
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    halves = split_boards(board for board, _ in corpus)
    chosen = sample(corpus, args.postings)
    if args.dev_rest or args.test_rest:
        chosen = rest(corpus, args.postings, "dev" if args.dev_rest else "test")
    if args.dev_blind or args.test_blind:
        half = "dev" if args.dev_blind else "test"
        chosen = [key for key in sample(corpus, len(corpus)) if halves[key[0]] == half]
    if args.action == "sample":
        for board, job_id in chosen:
            print(board, job_id, halves[board])
    else:
        blind = args.test_rest or args.dev_blind or args.test_blind
        show(corpus, chosen, args.first, args.count, blind=blind)


if __name__ == "__main__":
    main()
