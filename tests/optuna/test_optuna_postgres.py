"""Two workers share one study in a real PostgreSQL server (ADBENCH_TEST_POSTGRES_URL).

Skipped when the variable is unset, except in CI (CI=true), where .ci/postgres.sh sets it up
and a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest
from toy_runs import assert_every_trial_recorded_once, run_two_workers

POSTGRES_URL = os.environ.get("ADBENCH_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_url() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("ADBENCH_TEST_POSTGRES_URL is unset in CI: .ci/postgres.sh sets it")
        pytest.skip("ADBENCH_TEST_POSTGRES_URL is unset (a PostgreSQL URL for this test)")
    return POSTGRES_URL


def test_two_workers_share_one_study_in_postgresql(tmp_path, postgres_url):
    study_name = f"adbench-test-{uuid.uuid4().hex[:12]}"  # the database may be reused
    run_two_workers(tmp_path, postgres_url, study_name, n_trials=6)
    assert_every_trial_recorded_once(tmp_path, postgres_url, study_name, 6)
