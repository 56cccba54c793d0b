"""No secret in the repository: keys, tokens and passwords come from the
environment or instance/ (git-ignored), never from a tracked file."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: What a leaked credential looks like in a source file.
PATTERNS = {
    "private key": re.compile(
        r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"
    ),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "password in a URL": re.compile(
        r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:([^@\s/'\"]+)@"
    ),
    "secret key assigned": re.compile(
        r"""\bSECRET_KEY\s*[=:]\s*["']([^"'\s]{12,})["']"""
    ),
}
#: Values that look like secrets but are documented placeholders or test-only.
ALLOWED = {
    "a-test-secret-key-that-is-long-enough-0123456789",  # tests/conftest.py
    "***",  # the redacted form in error messages
}


def tracked_files() -> list[Path]:
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listing.decode().split("\0") if name]


#: A line carrying this marker holds a deliberate fake (e.g. a test that the
#: password is hidden from an error message), as in detect-secrets.
PRAGMA = "pragma: allowlist secret"


def findings(text: str) -> list[str]:
    found = []
    text = "\n".join(line for line in text.splitlines() if PRAGMA not in line)
    for label, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.group(1) if pattern.groups else match.group(0)
            if value not in ALLOWED and not value.startswith(("$", "{", "<")):
                found.append(f"{label}: {match.group(0)[:60]}")
    return found


def test_no_tracked_file_holds_a_secret():
    leaks = []
    for path in tracked_files():
        if path.suffix in {".png", ".mo", ".ico", ".zip"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        leaks += [f"{path.relative_to(ROOT)}: {f}" for f in findings(text)]
    assert leaks == []


def test_the_generated_secret_and_local_data_are_never_tracked():
    names = {str(path.relative_to(ROOT)) for path in tracked_files()}
    assert not any(
        name.startswith("instance/")
        and name not in {"instance/.gitkeep", "instance/config.example.py"}
        for name in names
    )
    ignored = subprocess.run(
        ["git", "check-ignore", "instance/secret_key", "instance/participation.db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert ignored == ["instance/secret_key", "instance/participation.db"]


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN RSA PRIVATE KEY-----",  # pragma: allowlist secret
        'SECRET_KEY = "k2j3h4k5j6h7k8j9h0"',  # pragma: allowlist secret
        "postgresql://faireavec:s3cr3t@db.example.org/x",  # pragma: allowlist secret
        "AKIAABCDEFGHIJKLMNOP",  # pragma: allowlist secret
    ],
)
def test_the_scanner_catches_what_it_looks_for(text):
    assert findings(text)


@pytest.mark.parametrize(
    "text",
    [
        'SECRET_KEY = "a-test-secret-key-that-is-long-enough-0123456789"',
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg://postgres:***@127.0.0.1:1/faireavec",
        'export PARTICIPATION_SECRET_KEY="$(python -c ...)"',
    ],
)
def test_the_scanner_lets_placeholders_through(text):
    assert findings(text) == []
