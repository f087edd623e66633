"""StageExport: bring a record set back from tape, then export it (Airflow 2.x and 3.x).

Trigger it with the param `ds` (a record-set query, e.g. `hmi.M_45s[2010.05.01_TAI/1h]`). Tasks:
  stage   POST /api/staging {"ds": ds}: the request is stored before the answer; its id goes to XCom;
  staged  a PythonSensor (mode reschedule: no worker slot is held while tape drives work) on the request: done
          when every file is ready; it fails, naming the files and why, when the request ended otherwise (files
          in error, expired, cancelled);
  export  the `export` job through the job API with that ds and the request id `staged-<staging id>` (one
          staging request is exported once: the job refuses a second run of a completed request id), waited
          for; fails when the job fails.
The server's staging monitor (drms serve) does the staging. Credentials: the Airflow connection DRMS_CONN_ID
(default "drms"), as for Trainpipe. The logic lives in drms_client (tested against a running server); this file
only wires it into Airflow.
"""

import os
import sys
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from drms_client import DrmsClient, client_from_connection, staged_export_id  # noqa: E402

try:  # Airflow 3
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.providers.standard.sensors.python import PythonSensor
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.python import PythonOperator
    from airflow.sensors.python import PythonSensor

DRMS_URL = os.environ.get("DRMS_URL", "http://localhost:8080")
DRMS_CONN_ID = os.environ.get("DRMS_CONN_ID", "drms")
POKE_INTERVAL = int(os.environ.get("DRMS_STAGING_POKE_INTERVAL", "60"))
STAGING_TIMEOUT = int(os.environ.get("DRMS_STAGING_TIMEOUT", str(2 * 24 * 3600)))  # the server's default expiry


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


def _ds(params):
    ds = (params or {}).get("ds")
    if not ds or not str(ds).strip():
        raise ValueError("StageExport needs the param ds: the record-set query to stage and export")
    return str(ds).strip()


def stage(params=None, **_):
    """Submits the staging request; returns its id (XCom)."""
    with _client() as client:
        return client.stage(ds=_ds(params))


def staged(ti=None, **_):
    """The sensor: whether every file of the request is back (raises StagingFailed when it ended otherwise)."""
    with _client() as client:
        return client.staging_done(ti.xcom_pull(task_ids="stage"))


def export(params=None, ti=None, **_):
    """Runs the export job on the staged record set and waits for it."""
    staging_id = ti.xcom_pull(task_ids="stage")
    with _client() as client:
        ex = client.run_job("export", {"ds": _ds(params), "requestId": staged_export_id(staging_id)})
    return {"executionId": ex.get("executionId"), "status": ex.get("status"),
            "requestId": staged_export_id(staging_id)}


with DAG(
    dag_id="StageExport",
    description="Stage a record set back from tape, then export it.",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"ds": ""},
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
) as dag:
    stage_task = PythonOperator(task_id="stage", python_callable=stage)
    staged_sensor = PythonSensor(task_id="staged", python_callable=staged, mode="reschedule",
                                 poke_interval=POKE_INTERVAL, timeout=STAGING_TIMEOUT, retries=0)
    export_task = PythonOperator(task_id="export", python_callable=export, retries=0)

    stage_task >> staged_sensor >> export_task
