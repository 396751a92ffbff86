"""`harness fetch | lock`: download what the claims read from the Hub, and pin it in ``harness.lock``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from harness.claims.vocabulary import BACKENDS
from harness.hub.lock import LOCK_NAME


def add_parsers(commands) -> None:
    fetch = commands.add_parser(
        "fetch", help="download every file the claims read into the Hub cache (the pinned ones when locked)"
    )
    lock = commands.add_parser("lock", help="pin the commit and sha256 of every file the claims read")
    for parser in (fetch, lock):
        parser.add_argument("--model", action="append", default=[], metavar="REPO_ID", help="only this model's claims")
        parser.add_argument("--cards", type=Path, default=None, metavar="DIR", help="cards to read (default: built in)")
        parser.add_argument("--backend", action="append", default=[], choices=BACKENDS, metavar="NAME",
                            help="only the claims on this backend (repeatable)")  # fmt: skip
        parser.add_argument("--lock", type=Path, default=Path(LOCK_NAME), metavar="PATH",
                            help=f"the lock file (default: ./{LOCK_NAME})")  # fmt: skip
    fetch.add_argument(
        "--dry-run",
        action="store_true",
        help="print, per repo, the files fetch would download and their sizes; download nothing",
    )
    fetch.add_argument(
        "--update",
        action="store_true",
        help="ignore the lock: fetch the revisions the cards name (then `harness lock --update`)",
    )
    lock.add_argument(
        "--update",
        action="store_true",
        help="rewrite an existing lock from what is cached at the cards' revisions, showing the changes",
    )


def fetch_command(args: argparse.Namespace) -> int:
    from harness.hub.fetch import fetch, plan
    from harness.hub.lock import LockMismatch
    from harness.hub.needs import FilesMissing
    from harness.hub.resolve import ArtifactMissing

    location = _location(args, use_lock=not args.update)
    found = _artifacts(args)
    pinned_by = f"pinned by {args.lock}" if location.lock else "at the cards' revisions"
    into = "(dry run: nothing is downloaded)" if args.dry_run else f"into {location.label}"
    print(f"harness fetch: {len(found)} repos, {pinned_by}, {into}", flush=True)
    failed = []
    for artifact in found:
        pinned = location.lock.find(artifact.repo, artifact.repo_type) if location.lock else None
        try:
            if args.dry_run:
                print("\n".join(f"  {line}" for line in plan(artifact, location, pinned=pinned).describe()))
                continue
            done = fetch(artifact, location, pinned=pinned)
        except (ArtifactMissing, FilesMissing, LockMismatch) as exc:
            failed.append(f"{artifact.describe()}: {exc}")
            continue
        print(f"  {done.describe()}" + ("" if pinned or not location.lock else " (not pinned by the lock)"))
        if done.moved_to:
            print(f"  moved: the Hub now serves {artifact.repo} as {done.moved_to}; update the card to name "
                  f"{done.moved_to} (keeping {artifact.repo} under formerly:)")  # fmt: skip
    return _finish("fetch", failed, len(found))


def lock_command(args: argparse.Namespace) -> int:
    from harness.hub.fetch import pin
    from harness.hub.lock import Lock, LockMismatch, differences
    from harness.hub.needs import FilesMissing
    from harness.hub.resolve import ArtifactMissing

    location = _location(args, use_lock=False)
    existing = Lock.read(args.lock) if args.lock.exists() else None
    found = _artifacts(args)
    if existing is not None and not args.update:
        return _check_lock(existing, found, location)
    pins, failed = [], []
    for artifact in found:
        try:
            pins.append(pin(artifact, location))
        except (ArtifactMissing, FilesMissing, LockMismatch) as exc:
            failed.append(f"{artifact.describe()}: {exc}")
    if failed:
        return _finish("lock", failed, len(found))
    lock = Lock.of(args.lock, pins)
    changes = differences(existing, lock) if existing else []
    if existing is not None and not changes:
        print(f"harness lock: {args.lock} is up to date ({len(pins)} repos)")
        return 0
    lock.write()
    files = sum(len(p.files) for p in pins)
    checked = "not checked against the Hub (offline)" if location.offline else "each checked against the Hub's record"
    print(f"harness lock: wrote {args.lock}: {len(pins)} repos, {files} files ({checked})")
    for line in changes:
        print(f"  {line}")
    print("Review the change and commit it: runs will load exactly these bytes.")
    return 0


def _check_lock(lock, found, location) -> int:
    """Without --update an existing lock is never rewritten: check the cache against it instead."""
    from harness.hub.lock import LockMismatch, NotLocked
    from harness.hub.resolve import ArtifactMissing, resolve

    pinned_location = replace(location, lock=lock, strict=True)  # every artifact must be pinned
    failed = []
    for artifact in found:
        try:
            resolve(artifact.repo, location=pinned_location, revision=artifact.revision, repo_type=artifact.repo_type,
                    patterns=["*"])  # fmt: skip
        except (ArtifactMissing, LockMismatch, NotLocked) as exc:
            failed.append(f"{artifact.describe()}: {exc}")
    if failed:
        print(f"harness lock: {lock.path} exists and was left as it is; pass --update to rewrite it from the cache")
        return _finish("lock", failed, len(found))
    print(f"harness lock: the cache matches {lock.path} ({len(found)} repos; --update rewrites it)")
    return 0


def _finish(command: str, failed: list[str], total: int) -> int:
    if not failed:
        return 0
    print(f"harness {command}: {len(failed)} of {total} repos failed:", file=sys.stderr)
    for line in failed:
        print(f"  {line}", file=sys.stderr)
    return 1


def _artifacts(args: argparse.Namespace):
    from harness.claims.cards import cards_in, load_registry
    from harness.hub.needs import artifacts

    registry = load_registry(cards_in(args.cards) if args.cards else None)
    claims = registry.select(models=args.model)
    return artifacts([c for c in claims if not args.backend or set(c.backends) & set(args.backend)])


def _location(args: argparse.Namespace, *, use_lock: bool):
    from huggingface_hub import constants

    from harness.cache.layout import default_cache_dir
    from harness.evaluation.context import resolve_hub
    from harness.hub.lock import Lock

    if constants.HF_HUB_OFFLINE and args.command == "fetch":
        raise ValueError("fetching needs the Hub, and HF_HUB_OFFLINE is set; unset it (or set it to 0)")
    lock = Lock.read(args.lock) if use_lock and args.lock.exists() else None
    return resolve_hub("hub", cache_dir=default_cache_dir(), lock=lock, lock_path=args.lock).location
