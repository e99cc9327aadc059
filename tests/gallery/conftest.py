"""The local Ray instance of the gallery tests.

One instance (two CPUs, no dashboard) per test module that asks for it: starting Ray costs
seconds, and enrolment joins a running instance rather than starting its own. It stops
with the module, so its processes do not load the machine under the tests that follow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ray


@pytest.fixture(scope="module")
def ray_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if ray.is_initialized():
        yield
        return
    for attempt in (1, 2):
        try:
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                _temp_dir=str(tmp_path_factory.mktemp("ray")),
            )
            break
        except Exception:
            # On a loaded two-core machine Ray's node can miss its start-up deadline once.
            ray.shutdown()
            if attempt == 2:
                raise
    yield
    ray.shutdown()
