"""`harness import | publish`: claims read from any model card, and what was measured sent back to the Hub."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cache.layout import default_cache_dir


def add_parsers(commands) -> None:
    importing = commands.add_parser("import", help="read a model card's claims (model-index, tables, ...) into a card")
    importing.add_argument("repo", metavar="REPO_ID", help="the model repo whose card to read")
    importing.add_argument("--revision", default=None, help="a branch, tag or commit (default: main)")
    importing.add_argument("--readme", type=Path, default=None, metavar="PATH",
                           help="read this README, not the repo's (config.json still comes from --hub)")  # fmt: skip
    importing.add_argument("--hub", default="hub", metavar="hub|replica|DIR", help="as pytest's --harness-hub")
    importing.add_argument("--out", type=Path, default=Path("cards"), metavar="DIR", help="where the card goes")
    importing.add_argument("--choose", action="append", default=[], metavar="NAME=N",
                           help="resolve a review note: candidate N of model or dataset NAME (repeatable)")  # fmt: skip
    importing.add_argument("--force", action="store_true", help="replace an existing card of the same name")
    importing.add_argument("--cache-dir", type=Path, default=None, help="default: $HARNESS_CACHE or ~/.cache/harness")

    publish = commands.add_parser("publish", help="write the claims that held as .eval_results entries (or a PR)")
    publish.add_argument("verdicts", type=Path, metavar="VERDICTS.json", help="written by --harness-json")
    publish.add_argument("--repo", required=True, metavar="REPO_ID", help="the model whose results to publish")
    publish.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="where .eval_results/ goes (default: published/ beside VERDICTS.json)")  # fmt: skip
    publish.add_argument("--pr", action="store_true", help="also open a pull request on the model repo")
    publish.add_argument("--force", action="store_true", help="replace files already written in --out")


def import_command(args: argparse.Namespace) -> int:
    from harness.evaluation.context import resolve_hub
    from harness.hubcards.importer import import_card, write_card

    choose = dict(_choice(text) for text in args.choose)
    location = resolve_hub(args.hub, cache_dir=(args.cache_dir or default_cache_dir()).resolve()).location
    document = import_card(args.repo, location=location, revision=args.revision, readme=args.readme, choose=choose)
    from harness.claims.cards import card_claims

    claims = card_claims(document, f"harness import {args.repo}")  # what pytest will read, checked before writing
    path = write_card(document, args.out, force=args.force)
    review = [c for c in claims if (c.reason or "").startswith("needs review")]
    print(f"wrote {path}: {len(claims)} claims from {document['imported']['from']}: "
          f"{sum(c.checkable for c in claims)} checkable, {len(review)} waiting for review, "
          f"{len(claims) - len(review) - sum(c.checkable for c in claims)} not checkable")  # fmt: skip
    for claim in claims:
        if not claim.checkable:
            print(f"  {claim.id}: {claim.reason}")
    for note in document["imported"]["notes"]:
        print(f"  note: {note}")
    if review:
        print(f"  review the entries with a 'review:' note in {path}, then: pytest --harness-cards {args.out}")
    return 0


def publish_command(args: argparse.Namespace) -> int:
    from harness.hubcards.publish import entries_for, open_pull_request, write

    publication = entries_for(args.verdicts, args.repo)
    for line in publication.left_out:
        print(f"  not published: {line}")
    if not publication.entries:
        print(f"harness publish: no claim on {args.repo} held against its card's figure on the real model; "
              "nothing to publish", file=sys.stderr)  # fmt: skip
        return 1
    out = args.out or args.verdicts.parent / "published"
    report = args.verdicts.parent / "report.md"
    for path in write(publication, out, report=report, force=args.force):
        print(f"wrote {path}")
    if args.pr:
        from huggingface_hub import constants

        url = open_pull_request(out, args.repo, endpoint=constants.ENDPOINT, count=len(publication.entries))
        print(f"opened {url}")
    return 0


def _choice(text: str) -> tuple[str, int]:
    name, _, number = text.partition("=")
    if not name or not number.isdigit():
        raise ValueError(f"--choose {text!r}: expected NAME=N, e.g. --choose sst2=1")
    return name, int(number)
