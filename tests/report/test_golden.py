"""Every format on every sample: hand-built results and real replays of sample_migrations/.

Golden files are the review surface of the renderers: a change in output shows up as a diff
of tests/report/golden/. Rewrite them with MIGCHECK_UPDATE_GOLDEN=1 after an intended change.
"""

from __future__ import annotations

import pytest
import report_samples
from conftest import SAMPLE_HISTORIES, assert_golden

from migcheck.report.outputs import FORMATS, render

EXTENSION = {
    "terminal": "txt",
    "json": "json",
    "junit": "xml",
    "sarif": "sarif",
    "github": "github.txt",
    "markdown": "md",
    "html": "html",
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sample", report_samples.SAMPLES)
def test_hand_built(sample: str, fmt: str) -> None:
    result = report_samples.SAMPLES[sample]()
    assert_golden(f"{sample}.{EXTENSION[fmt]}", render(result, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("history", SAMPLE_HISTORIES)
def test_replayed_sample(replayed_samples, history: str, fmt: str) -> None:
    if history not in replayed_samples:
        pytest.skip(f"sample_migrations/{history} does not exist yet")
    assert_golden(f"replay_{history}.{EXTENSION[fmt]}", render(replayed_samples[history], fmt))
