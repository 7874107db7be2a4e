"""The cluster stack for the tests of it/cluster: one for the session (it/stack_support.py)."""
import pytest

from stack_support import running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("stack")) as started:
        yield started
