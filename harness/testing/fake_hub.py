"""A stand-in for the Hugging Face Hub's HTTP API on 127.0.0.1, serving the repos of a Hub cache folder.

It speaks the part of the API that ``huggingface_hub`` uses to list and download a repo (``repo_info``,
``snapshot_download``, ``hf_hub_download``): repo info with its files and their LFS sha256, HEAD and
ranged GET of ``/resolve/`` URLs with the commit and ETag headers, redirects for a renamed repo, and the
``X-Error-Code`` answers for a missing repo, revision or file and a gated repo. Point ``HF_ENDPOINT`` at
it and the harness's online path (fetch, lock, load) runs exactly as against huggingface.co.

Written here because no package serves a Hub cache this way; it is the harness's test double, also
runnable by hand: ``python -m harness.fake_hub HF_HOME_OR_HUB_DIR --port 8000``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from harness.hub.lock import git_blob_id

KINDS = {"models": "model", "datasets": "dataset"}
# What a new Hub repo's .gitattributes stores with Git LFS (the rest are plain git blobs).
LFS_SUFFIXES = (".safetensors", ".bin", ".onnx", ".parquet", ".h5", ".msgpack", ".pt", ".pth", ".ckpt", ".arrow")


def _lfs(name: str) -> bool:
    return name.endswith(LFS_SUFFIXES)


def _etag(name: str, content: bytes) -> str:
    """The Hub's ETag: the sha256 of an LFS file, the git blob id of any other."""
    return hashlib.sha256(content).hexdigest() if _lfs(name) else git_blob_id(content)


@dataclass
class Repo:
    repo_type: str  # "model" or "dataset"
    repo_id: str
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)  # sha -> {path: content}
    refs: dict[str, str] = field(default_factory=dict)  # branch -> sha
    gated: bool = False


@dataclass(frozen=True)
class Seen:
    """One request the server answered, for tests to assert on."""

    method: str
    path: str
    range: str | None
    status: int


class FakeHub:
    """Repos in memory, served over HTTP while started; tests change them between requests."""

    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], Repo] = {}
        self.moved: dict[tuple[str, str], str] = {}  # (repo_type, old id) -> new id
        self.seen: list[Seen] = []
        self.pulls: list = []  # PullRequest records of the pull requests opened through the commit API
        self._interrupt: dict[str, int] = {}  # file path -> bytes to send before dropping the connection
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @classmethod
    def from_cache(cls, hub_dir: Path) -> FakeHub:
        """Every repo of a Hub cache folder (``models--ORG--NAME``, ``datasets--ORG--NAME``), every snapshot."""
        hub = cls()
        for folder in sorted(hub_dir.glob("*--*")):
            kind, _, name = folder.name.partition("--")
            if kind not in ("models", "datasets") or not (folder / "snapshots").is_dir():
                continue
            repo = Repo(repo_type=KINDS[kind], repo_id=name.replace("--", "/"))
            for snapshot in sorted((folder / "snapshots").iterdir()):
                files = sorted(p for p in snapshot.rglob("*") if p.is_file())
                repo.commits[snapshot.name] = {p.relative_to(snapshot).as_posix(): p.read_bytes() for p in files}
            for ref in (p for p in (folder / "refs").rglob("*") if p.is_file()):  # refs/convert/parquet too
                repo.refs[ref.relative_to(folder / "refs").as_posix()] = ref.read_text().strip()
            hub.repos[(repo.repo_type, repo.repo_id)] = repo
        return hub

    # --- changes a test makes -------------------------------------------------------------------

    def repo(self, repo_id: str, repo_type: str = "model") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def commit(self, repo_id: str, changes: dict[str, bytes | None], *, repo_type: str = "model") -> str:
        """A new commit on main: ``changes`` maps a path to new content, or to None to delete it."""
        repo = self.repo(repo_id, repo_type)
        files = dict(repo.commits[repo.refs["main"]])
        for path, content in changes.items():
            if content is None:
                files.pop(path, None)
            else:
                files[path] = content
        digest = hashlib.sha1(repr(sorted((p, hashlib.sha256(c).hexdigest()) for p, c in files.items())).encode())
        sha = digest.hexdigest()
        repo.commits[sha] = files
        repo.refs["main"] = sha
        return sha

    def redirect(self, old: str, *, to: str, repo_type: str = "model") -> None:
        """Answer for ``old`` with the repo ``to``, as the Hub does for a repo renamed from ``old``."""
        self.moved[(repo_type, old)] = to

    def interrupt(self, path: str, *, after: int) -> None:
        """The next GET of a file at ``path`` sends ``after`` bytes, then drops the connection."""
        self._interrupt[path] = after

    # --- serving --------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the endpoint to use as HF_ENDPOINT."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.endpoint

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "start() the fake hub first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _take_interrupt(self, path: str) -> int | None:
        with self._lock:
            return self._interrupt.pop(path, None)

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)


class _Answer(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        super().__init__(status)
        self.status, self.headers, self.body = status, headers or {}, body


def _error(status: int, code: str, message: str) -> _Answer:
    body = json.dumps({"error": message}).encode()
    return _Answer(status, {"X-Error-Code": code, "X-Error-Message": message, "Content-Type": "application/json"}, body)


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass  # quiet: tests read hub.seen instead

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            self._serve(body=False)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(body=True)

        def do_POST(self) -> None:  # noqa: N802
            from harness.testing.fake_hub_commits import post

            url = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                status, headers, content = post(hub, url.path, url.query, body)
            except _Answer as answer:
                status, headers, content = answer.status, answer.headers, answer.body
            hub._record(Seen(self.command, url.path, None, status))
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(content))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)

        def _serve(self, *, body: bool) -> None:
            url = urlsplit(self.path)
            try:
                if url.path.startswith("/api/"):
                    status, headers, content = _api(hub, url.path, blobs="blobs=" in url.query)
                else:
                    status, headers, content = _resolve(hub, url.path, self.headers.get("Range"))
            except _Answer as answer:
                status, headers, content = answer.status, answer.headers, answer.body
            hub._record(Seen(self.command, url.path, self.headers.get("Range"), status))
            cut = _resolved_path(url.path)
            after = hub._take_interrupt(cut) if body and status in (200, 206) and cut else None
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(content))}.items():
                self.send_header(name, value)
            if after is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            if not body:
                return
            if after is None:
                self.wfile.write(content)
                return
            self.wfile.write(content[:after])  # then the connection drops, mid-file
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _find(hub: FakeHub, repo_type: str, repo_id: str, rest: str) -> Repo:
    """The repo, or a redirect (renamed) or the Hub's error answer."""
    new = hub.moved.get((repo_type, repo_id))
    if new is not None:
        prefix = "" if repo_type == "model" else "datasets/"
        raise _Answer(307, {"Location": rest.format(repo=f"{prefix}{new}", api=new)})
    repo = hub.repos.get((repo_type, repo_id))
    if repo is None:
        # The Hub answers 401 for a repo that does not exist (or that it will not show).
        raise _error(401, "RepoNotFound", f"Repository not found: {repo_id}")
    return repo


def _commit(repo: Repo, revision: str) -> str:
    sha = repo.refs.get(revision, revision)
    if sha not in repo.commits:
        raise _error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
    return sha


def _api(hub: FakeHub, path: str, *, blobs: bool) -> tuple[int, dict[str, str], bytes]:
    parts = path.split("/")  # "", "api", "models", ORG, NAME[, "revision", REV]
    kind = parts[2] if len(parts) > 2 else ""
    if kind not in KINDS:
        raise _error(404, "NotFound", f"no such API route: {path}")
    rest = parts[3:]
    revision = "main"
    if "revision" in rest:
        at = rest.index("revision")
        rest, revision = rest[:at], unquote("/".join(rest[at + 1 :]))
    repo_id = "/".join(rest)
    tail = "" if revision == "main" and "revision" not in path else f"/revision/{quote(revision, safe='')}"
    repo = _find(hub, KINDS[kind], repo_id, f"/api/{kind}/{{api}}{tail}")
    sha = _commit(repo, revision)
    siblings = []
    for name, content in sorted(repo.commits[sha].items()):
        sibling: dict[str, object] = {"rfilename": name}
        if blobs:
            sibling |= {"size": len(content), "blobId": git_blob_id(content)}
            if _lfs(name):
                digest = hashlib.sha256(content).hexdigest()
                sibling["lfs"] = {"sha256": digest, "size": len(content), "pointerSize": 134}
        siblings.append(sibling)
    info = {"id": repo.repo_id, "sha": sha, "private": False, "gated": "manual" if repo.gated else False,
            "siblings": siblings}  # fmt: skip
    return 200, {"Content-Type": "application/json"}, json.dumps(info).encode()


def _resolved_path(path: str) -> str | None:
    """The file path a /resolve/ URL names."""
    if "/resolve/" not in path:
        return None
    return unquote(path.split("/resolve/", 1)[1].split("/", 1)[-1])


def _resolve(hub: FakeHub, path: str, byte_range: str | None) -> tuple[int, dict[str, str], bytes]:
    if "/resolve/" not in path:
        raise _error(404, "NotFound", f"no such route: {path}")
    before, after = path.split("/resolve/", 1)
    repo_type, repo_id = ("dataset", before[len("/datasets/") :]) if before.startswith("/datasets/") else (
        "model", before[1:])  # fmt: skip
    revision, _, name = after.partition("/")
    repo = _find(hub, repo_type, repo_id, f"/{{repo}}/resolve/{after}")
    if repo.gated:
        raise _error(401, "GatedRepo", f"Access to model {repo_id} is restricted. You must have access to it.")
    sha = _commit(repo, unquote(revision))
    files = repo.commits[sha]
    name = unquote(name)
    if name not in files:
        raise _error(404, "EntryNotFound", f"{name} does not exist on {revision}")
    content = files[name]
    headers = {
        "X-Repo-Commit": sha,
        "ETag": f'"{_etag(name, content)}"',
        "Accept-Ranges": "bytes",
        "Content-Type": "application/octet-stream",
    }
    if byte_range and byte_range.startswith("bytes="):
        first = int(byte_range[len("bytes=") :].split("-")[0])
        headers["Content-Range"] = f"bytes {first}-{len(content) - 1}/{len(content)}"
        return 206, headers, content[first:]
    return 200, headers, content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.fake_hub", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a Hub cache folder, or an HF_HOME-style folder holding hub/")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    folder = args.folder / "hub" if (args.folder / "hub").is_dir() else args.folder
    hub = FakeHub.from_cache(folder)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(hub))
    print(f"serving {len(hub.repos)} repos from {folder}: HF_ENDPOINT=http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
