"""For every pytest suite of the repository (it/, airflow-dags/tests): a SIGTERM (CI's time limit, bin/test
stopping its second lane, a plain kill) ends the run as Ctrl-C does, so that the fixtures' teardowns still
stop the servers they started (the stack's PostgreSQL, metastore, Spark master and workers, Airflow)."""
import signal


def pytest_configure(config):
    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, interrupted)
