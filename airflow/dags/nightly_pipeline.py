"""NightlyPipeline: the steps of one drms pipeline, run every night from Airflow (Airflow 2.x and 3.x).

The Airflow equivalent of a pipeline of drms.pipelines.<name>.steps, for sites that keep their schedules in
Airflow. Its steps are given as that property gives them, a JSON list of {"job": ..., "parameters": {...}} in the
environment variable DRMS_PIPELINE_STEPS (read when the DAG file is parsed; default: DEFAULT_STEPS below, a rescale
of a series, then a second rescale of what the first made). One task per step, step<n>_<job>, in a chain:
  - each task runs its job through the job API and waits for its end; it fails, saying why, when the job fails;
  - each step after the first takes as ds the record set the step before it made (the job's `output`, passed on as
    the task's return value through XCom), unless its parameters give ds;
  - the parameters may hold {ds}, {ds_nodash} and {drms_date} (e.g. "edw.raw[{drms_date}_UTC/1d]"): the DAG run's
    logical date, UTC;
  - a job that takes `run` gets <dag id>-<logical date>-<step number> (e.g. NightlyPipeline-20261205T020000Z-1), the
    same on every try: an Airflow retry of a failed task restarts the same job instance, which resumes after its last
    committed chunk; a retry of a task whose job completed already takes that execution's output instead of
    failing; a clear of the whole DAG run redoes nothing that completed.
Schedule: DRMS_PIPELINE_SCHEDULE (cron, default "0 2 * * *"), no catch-up, one run at a time. Credentials: the
Airflow connection DRMS_CONN_ID (default "drms"), as for Trainpipe. The logic lives in drms_client (run_step,
tested against a running server); this file only wires it into Airflow.
"""

import json
import logging
import os
import sys
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from drms_client import (DrmsClient, client_from_connection, pipeline_steps, render_parameters,  # noqa: E402
                         step_input, step_run, step_task_id)

try:  # Airflow 3
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.python import PythonOperator

log = logging.getLogger(__name__)

DAG_ID = "NightlyPipeline"
DRMS_URL = os.environ.get("DRMS_URL", "http://localhost:8080")
DRMS_CONN_ID = os.environ.get("DRMS_CONN_ID", "drms")
SCHEDULE = os.environ.get("DRMS_PIPELINE_SCHEDULE", "0 2 * * *")
POLL = float(os.environ.get("DRMS_PIPELINE_POLL", "30"))  # seconds between looks at a running job
STEP_TIMEOUT = float(os.environ.get("DRMS_PIPELINE_STEP_TIMEOUT", str(12 * 3600)))  # a step's job, at most

# The example of drms.pipelines in application.yaml (names and series are the site's).
DEFAULT_STEPS = [
    {"job": "rescale", "parameters": {"ds": "edw.raw[$]", "out": "edw.calibrated", "alpha": "2.5"}},
    {"job": "rescale", "parameters": {"out": "edw.offset", "beta": "-1"}},
]

STEPS = (pipeline_steps(os.environ["DRMS_PIPELINE_STEPS"]) if os.environ.get("DRMS_PIPELINE_STEPS", "").strip()
         else pipeline_steps(json.dumps(DEFAULT_STEPS), "DEFAULT_STEPS"))
TASK_IDS = [step_task_id(i + 1, s["job"]) for i, s in enumerate(STEPS)]


def _client():
    """The client with the credentials of the Airflow connection DRMS_CONN_ID; without it, DRMS_URL and the local
    token."""
    try:
        try:  # Airflow 3
            from airflow.sdk import BaseHook
        except ImportError:  # Airflow 2
            from airflow.hooks.base import BaseHook
        conn = BaseHook.get_connection(DRMS_CONN_ID)
    except Exception:  # no such connection (or no Airflow): the environment's URL and token
        return DrmsClient(DRMS_URL)
    return client_from_connection(conn)


def run_pipeline_step(step_number, ti=None, logical_date=None, run_id=None, **_):
    """Task of step `step_number` (1-based): runs its job (see the module comment) and returns its output (XCom)."""
    index = step_number - 1
    step = STEPS[index]
    parameters = render_parameters(step["parameters"], logical_date)
    previous = ti.xcom_pull(task_ids=TASK_IDS[index - 1]) if index > 0 and "ds" not in parameters else None
    ds = step_input(STEPS, index, previous)
    run = step_run(DAG_ID, logical_date, step_number, run_id)
    with _client() as client:
        execution = client.run_step(step["job"], parameters, ds=ds, run=run, poll=POLL, timeout=STEP_TIMEOUT)
    log.info("step %d: job %s execution %s %s, output %s", step_number, step["job"], execution.get("executionId"),
             execution.get("status"), execution.get("output"))
    return execution.get("output")


with DAG(
    dag_id=DAG_ID,
    description="The steps of a drms pipeline, each job waited for, each step taking the records the one before made.",
    start_date=datetime(2026, 1, 1),
    schedule=SCHEDULE,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    tasks = [PythonOperator(task_id=TASK_IDS[i], python_callable=run_pipeline_step, op_kwargs={"step_number": i + 1})
             for i in range(len(STEPS))]
    for before, after in zip(tasks, tasks[1:]):
        before >> after
