"""Trainpipe: the glitchflow training-data pipeline on drms-batch (Airflow 2.x and 3.x).

POST /train; if the buffer is not full yet (WAITING), an HttpSensor waits on GET /stats (Airflow connection
DRMS_CONN_ID, default "drms": host, port, and the API token as password, or a drms user's login and
password) until it holds MAXBUFSZ bytes, and the buffer is frozen; then run the `collect` job (buffered chunks -> records of the strain series) and the `snapshot` job
(buffer -> snapshots/<time>) through the job API, each waited for and failing the task when the job fails.
The logic lives in drms_client (tested against a running server); this file only wires it into Airflow.
"""

import os
import sys
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from drms_client import DrmsClient, branch_on_train, buffer_reached, client_from_connection  # noqa: E402

try:  # Airflow 3
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
    from airflow.providers.standard.sensors.python import PythonSensor
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import BranchPythonOperator, PythonOperator
    from airflow.sensors.python import PythonSensor
try:  # the HTTP provider (apache-airflow-providers-http), the same import in Airflow 2 and 3
    from airflow.providers.http.sensors.http import HttpSensor
except ImportError:
    HttpSensor = None

MAXBUFSZ = int(os.environ.get("DRMS_MAXBUFSZ", "2000"))
DRMS_URL = os.environ.get("DRMS_URL", "http://localhost:8080")
DRMS_CONN_ID = os.environ.get("DRMS_CONN_ID", "drms")


def _client():
    """The client with the credentials of the Airflow connection DRMS_CONN_ID (password: the API token, or
    login/password of a drms user); without that connection, DRMS_URL and the local token."""
    try:
        try:  # Airflow 3
            from airflow.sdk import BaseHook
        except ImportError:  # Airflow 2
            from airflow.hooks.base import BaseHook
        conn = BaseHook.get_connection(DRMS_CONN_ID)
    except Exception:  # no such connection (or no Airflow): the environment's URL and token
        return DrmsClient(DRMS_URL)
    return client_from_connection(conn)


def send_frz_sign():
    state, _ = _client().train("airflow")
    return state


def check_frz_sign(ti):
    return branch_on_train(ti.xcom_pull(task_ids="send_frz_sign"))


def buffer_full():
    return _client().buffer_ready(MAXBUFSZ)


def freeze():
    _client().train("airflow")


def run(job):
    def task(**context):
        run_id = context.get("run_id", "manual")
        ex = _client().run_job(job, {"run": run_id})
        return {"executionId": ex.get("executionId"), "status": ex.get("status")}
    return task


with DAG(
    dag_id="Trainpipe",
    description="DAG implementing the AI training data pipeline.",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
) as dag:
    start = EmptyOperator(task_id="start_training")
    send = PythonOperator(task_id="send_frz_sign", python_callable=send_frz_sign)
    check = BranchPythonOperator(task_id="check_frz_sign", python_callable=check_frz_sign)
    if HttpSensor is not None:
        sensor = HttpSensor(task_id="next_sensor", http_conn_id=DRMS_CONN_ID, endpoint="stats", method="GET",
                            response_check=lambda response: buffer_reached(response.json(), MAXBUFSZ),
                            poke_interval=10, timeout=3600, mode="reschedule")
    else:  # without the HTTP provider: the same check through drms_client
        sensor = PythonSensor(task_id="next_sensor", python_callable=buffer_full, poke_interval=10, timeout=3600,
                              mode="reschedule")
    freeze_ds = PythonOperator(task_id="freeze_ds", python_callable=freeze)
    metrics = EmptyOperator(task_id="next_metrics")
    join = EmptyOperator(task_id="join_brc", trigger_rule="none_failed_min_one_success")
    collect = PythonOperator(task_id="collect", python_callable=run("collect"), retries=0)
    snapshot = PythonOperator(task_id="snapshot", python_callable=run("snapshot"), retries=0)

    start >> send >> check >> [sensor, metrics]
    sensor >> freeze_ds >> join
    metrics >> join
    join >> collect >> snapshot
