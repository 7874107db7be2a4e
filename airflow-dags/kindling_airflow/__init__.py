"""Kindling on Airflow: the DAG spec (jobs.yaml), the factory that turns it into DAGs, and the operator."""
