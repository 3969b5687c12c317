from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils import NodeProcess

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "workers"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """One node shared by the tests of a module; tests deploy workers under names of their own."""
    proc = NodeProcess(tmp_path_factory.mktemp("node")).start()
    yield proc
    proc.stop()


def fixture_script(scenario: str) -> str:
    return (FIXTURES / scenario / "index.js").read_text()
