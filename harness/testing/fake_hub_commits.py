"""The write side of the fake Hub: the two routes ``HfApi.create_commit`` calls (``preupload`` and
``commit``), so that a commit or a pull request made through huggingface_hub lands in the fake Hub's
repos, where a test reads it back (``FakeHub.pulls``, and the ``refs/pr/N`` ref it serves)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote

if TYPE_CHECKING:
    from harness.testing.fake_hub import FakeHub, Repo


@dataclass(frozen=True)
class PullRequest:
    repo_id: str
    number: int
    sha: str
    title: str
    files: tuple[str, ...]  # the paths the pull request adds or changes


def post(hub: FakeHub, path: str, query: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    from harness.testing.fake_hub import KINDS, _commit, _error, _find

    parts = path.split("/")  # "", "api", "models", ORG, NAME, "preupload"|"commit", REV
    if len(parts) < 7 or parts[2] not in KINDS or parts[5] not in ("preupload", "commit"):
        raise _error(404, "NotFound", f"no such API route: POST {path}")
    repo_id, action, revision = f"{parts[3]}/{parts[4]}", parts[5], unquote("/".join(parts[6:]))
    repo = _find(hub, KINDS[parts[2]], repo_id, f"/api/{parts[2]}/{{api}}/{action}/{revision}")
    parent = _commit(repo, revision)
    if action == "preupload":
        files = json.loads(body)["files"]
        answer = {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]}
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()
    title, changes = _read_payload(body)
    create_pr = parse_qs(query).get("create_pr") == ["1"]
    sha = _new_commit(repo, parent, changes)
    answer = {"commitUrl": f"{hub.endpoint}/{repo_id}/commit/{sha}", "commitOid": sha, "pullRequestUrl": None}
    if create_pr:
        number = len(hub.pulls) + 1
        repo.refs[f"refs/pr/{number}"] = sha
        hub.pulls.append(PullRequest(repo_id=repo_id, number=number, sha=sha, title=title, files=tuple(changes)))
        answer["pullRequestUrl"] = f"{hub.endpoint}/{repo_id}/discussions/{number}"
    else:
        repo.refs[revision] = sha
    return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()


def _read_payload(body: bytes) -> tuple[str, dict[str, bytes | None]]:
    title, changes = "", {}
    for line in body.splitlines():
        item = json.loads(line)
        value = item["value"]
        if item["key"] == "header":
            title = value.get("summary", "")
        elif item["key"] == "file":
            changes[value["path"]] = base64.b64decode(value["content"])
        elif item["key"] == "deletedFile":
            changes[value["path"]] = None
    return title, changes


def _new_commit(repo: Repo, parent: str, changes: dict[str, bytes | None]) -> str:
    files = dict(repo.commits[parent])
    for name, content in changes.items():
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    sha = hashlib.sha1(repr((parent, sorted((p, hashlib.sha256(c).hexdigest()) for p, c in files.items()))).encode())
    repo.commits[sha.hexdigest()] = files
    return sha.hexdigest()
