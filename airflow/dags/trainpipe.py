"""Trainpipe: the glitchflow training-data pipeline on drms-batch (Airflow 2.x and 3.x).

POST /train; if the buffer is not full yet (WAITING), wait on /stats until it holds MAXBUFSZ bytes and freeze
it; then run the `collect` job (buffered chunks -> records of the strain series) and the `snapshot` job
(buffer -> snapshots/<time>) through the job API, each waited for and failing the task when the job fails.
The logic lives in drms_client (tested against a running server); this file only wires it into Airflow.
"""

import os
import sys
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from drms_client import DrmsClient, branch_on_train  # noqa: E402

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

MAXBUFSZ = int(os.environ.get("DRMS_MAXBUFSZ", "2000"))
DRMS_URL = os.environ.get("DRMS_URL", "http://localhost:8080")


def _client():
    return DrmsClient(DRMS_URL)


def send_frz_sign():
    state, _ = _client().train("airflow", "airflow")
    return state


def check_frz_sign(ti):
    return branch_on_train(ti.xcom_pull(task_ids="send_frz_sign"))


def buffer_full():
    return _client().buffer_ready(MAXBUFSZ)


def freeze():
    _client().train("airflow", "airflow")


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
