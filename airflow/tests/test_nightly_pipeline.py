"""The NightlyPipeline DAG without a server: its graph with stand-ins for Airflow (fake_airflow), its steps from
DRMS_PIPELINE_STEPS, the date templates, each step's run and what each task passes on to the next through XCom."""

import json
import os
import sys
import unittest
from datetime import datetime, timedelta, timezone
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import fake_airflow  # noqa: E402
from drms_client import pipeline_steps, render_parameters, step_input, step_run, step_task_id  # noqa: E402

DAG_FILE = os.path.join(HERE, "..", "dags", "nightly_pipeline.py")


def load(steps=None, name="nightly_pipeline_check"):
    """The DAG module, with DRMS_PIPELINE_STEPS set to `steps` (JSON text or a list) or unset."""
    env = {k: v for k, v in os.environ.items() if k != "DRMS_PIPELINE_STEPS"}
    if steps is not None:
        env["DRMS_PIPELINE_STEPS"] = steps if isinstance(steps, str) else json.dumps(steps)
    with mock.patch.dict(os.environ, env, clear=True):
        return fake_airflow.loaded_dag(DAG_FILE, name)


class RecordingClient:
    """Stands in for the server: records each run_step call, answers a COMPLETED execution with an output."""

    def __init__(self, outputs):
        self.outputs = list(outputs)
        self.calls = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def run_step(self, job, parameters, ds=None, run=None, **kwargs):
        self.calls.append({"job": job, "parameters": parameters, "ds": ds, "run": run})
        return {"executionId": len(self.calls), "status": "COMPLETED", "output": self.outputs.pop(0)}


class NightlyPipelineDagTest(unittest.TestCase):
    def test_the_default_pipeline_is_two_rescales_in_a_chain_every_night(self):
        module = load()
        dag = module.dag
        self.assertEqual("NightlyPipeline", dag.dag_id)
        self.assertEqual("0 2 * * *", dag.kwargs["schedule"])
        self.assertFalse(dag.kwargs["catchup"])
        self.assertEqual(1, dag.kwargs["max_active_runs"])
        self.assertGreater(dag.kwargs["default_args"]["retries"], 0)
        self.assertEqual({"step1_rescale", "step2_rescale"}, set(dag.tasks))
        self.assertEqual({"step2_rescale"}, dag.get_task("step1_rescale").downstream_task_ids)
        self.assertEqual(set(), dag.get_task("step2_rescale").downstream_task_ids)
        first = dag.get_task("step1_rescale")
        self.assertIs(module.run_pipeline_step, first.kwargs["python_callable"])
        self.assertEqual({"step_number": 1}, first.kwargs["op_kwargs"])
        self.assertEqual([{"job": "rescale", "parameters": {"ds": "edw.raw[$]", "out": "edw.calibrated",
                                                            "alpha": "2.5"}},
                          {"job": "rescale", "parameters": {"out": "edw.offset", "beta": "-1"}}], module.STEPS)

    def test_steps_from_the_environment_make_one_task_each_in_their_order(self):
        dag = load([{"job": "ingest", "parameters": {"inbox": "/data/in", "series": "edw.raw"}},
                    {"job": "rescale", "parameters": {"out": "edw.cal", "alpha": 2}},
                    {"job": "export", "parameters": {"requestId": "night-{ds_nodash}"}}], "nightly_env").dag
        self.assertEqual({"step1_ingest", "step2_rescale", "step3_export"}, set(dag.tasks))
        self.assertEqual({"step2_rescale"}, dag.get_task("step1_ingest").downstream_task_ids)
        self.assertEqual({"step3_export"}, dag.get_task("step2_rescale").downstream_task_ids)
        self.assertEqual(set(), dag.get_task("step3_export").downstream_task_ids)

    def test_each_task_passes_its_output_on_as_the_next_steps_ds(self):
        module = load([{"job": "rescale", "parameters": {"ds": "edw.raw[{drms_date}_UTC/1d]", "out": "edw.a"}},
                       {"job": "rescale", "parameters": {"out": "edw.b", "beta": "-1"}},
                       {"job": "rescale", "parameters": {"ds": "edw.other[$]", "out": "edw.c"}}], "nightly_xcom")
        client = RecordingClient(["edw.a[? recnum BETWEEN 1 AND 9 ?]", "edw.b[? recnum BETWEEN 4 AND 12 ?]",
                                  "edw.c[? recnum = 7 ?]"])
        module._client = lambda: client
        night = datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)
        xcoms = {}
        for number, task_id in enumerate(module.TASK_IDS, 1):
            xcoms[task_id] = module.run_pipeline_step(number, ti=fake_airflow.FakeTaskInstance(xcoms),
                                                      logical_date=night, run_id="scheduled__2026-12-05T02:00:00")
        first, second, third = client.calls
        self.assertEqual({"ds": "edw.raw[2026.12.05_UTC/1d]", "out": "edw.a"}, first["parameters"])
        self.assertIsNone(first["ds"])
        self.assertEqual("NightlyPipeline-20261205T020000Z-1", first["run"])
        self.assertEqual("edw.a[? recnum BETWEEN 1 AND 9 ?]", second["ds"])  # step 1's output
        self.assertEqual("NightlyPipeline-20261205T020000Z-2", second["run"])
        self.assertIsNone(third["ds"])  # its parameters give ds
        self.assertEqual("edw.c[? recnum = 7 ?]", xcoms["step3_rescale"])

    def test_a_step_after_one_that_named_no_records_fails_saying_what_to_do(self):
        module = load([{"job": "snapshot", "parameters": {}}, {"job": "rescale", "parameters": {"out": "edw.b"}}],
                      "nightly_no_output")
        module._client = lambda: RecordingClient([None])
        ti = fake_airflow.FakeTaskInstance({"step1_snapshot": None})
        with self.assertRaises(ValueError) as failed:
            module.run_pipeline_step(2, ti=ti, logical_date=datetime(2026, 12, 5, tzinfo=timezone.utc))
        self.assertIn("step 2 (rescale) takes the records of step 1 (snapshot), which named none",
                      str(failed.exception))
        self.assertIn("give the step a ds parameter", str(failed.exception))


class PipelineStepsTest(unittest.TestCase):
    def test_values_are_text_as_drms_pipelines_take_them(self):
        self.assertEqual([{"job": "rescale", "parameters": {"alpha": "2.5", "partitions": "2", "integers": "float",
                                                             "x": "true"}}],
                         pipeline_steps('[{"job": " rescale ", "parameters": {"alpha": 2.5, "partitions": 2, '
                                        '"integers": "float", "x": true}}]'))
        self.assertEqual([{"job": "snapshot", "parameters": {}}], pipeline_steps('[{"job": "snapshot"}]'))

    def test_bad_steps_are_refused_naming_the_place(self):
        for text, message in (
                ("[", "DRMS_PIPELINE_STEPS is not JSON"),
                ("[]", "a non-empty list of steps"),
                ('{"job": "rescale"}', "a non-empty list of steps"),
                ('[{"parameters": {}}]', "DRMS_PIPELINE_STEPS[0].job: every step names a job"),
                ('[{"job": "rescale"}, {"job": "rescale", "params": {}}]', "DRMS_PIPELINE_STEPS[1]: unknown key(s) params"),
                ('[{"job": "rescale", "parameters": {"ds": ["a", "b"]}}]', "DRMS_PIPELINE_STEPS[0].parameters.ds"),
                ('[{"job": "rescale", "parameters": {"run": "x"}}]', "'run' is the DAG's")):
            with self.assertRaises(ValueError, msg=text) as refused:
                pipeline_steps(text)
            self.assertIn(message, str(refused.exception))

    def test_the_date_templates_and_nothing_else(self):
        night = datetime(2026, 12, 5, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 2026-12-06 04:30 UTC
        self.assertEqual({"ds": "hmi.m[2026.12.06_UTC/1d]{image,counts}", "requestId": "n-20261206", "d": "2026-12-06"},
                         render_parameters({"ds": "hmi.m[{drms_date}_UTC/1d]{image,counts}",
                                            "requestId": "n-{ds_nodash}", "d": "{ds}"}, night))
        with self.assertRaises(ValueError) as no_date:
            render_parameters({"requestId": "n-{ds}"}, None)
        self.assertIn("{ds}", str(no_date.exception))
        self.assertEqual({"ds": "a.b[$]"}, render_parameters({"ds": "a.b[$]"}, None))

    def test_a_steps_run_is_the_same_on_every_try_of_that_dag_run(self):
        night = datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)
        self.assertEqual("NightlyPipeline-20261205T020000Z-3", step_run("NightlyPipeline", night, 3))
        self.assertEqual(step_run("D", night, 1), step_run("D", night.astimezone(timezone(timedelta(hours=2))), 1))
        self.assertNotEqual(step_run("D", night, 1), step_run("D", night + timedelta(days=1), 1))
        self.assertEqual("D-manual__2026-12-05T03:00:00+00:00-1", step_run("D", None, 1, "manual__2026-12-05T03:00:00+00:00"))
        self.assertEqual("step2_my-job", step_task_id(2, "my-job"))

    def test_the_input_of_a_step(self):
        steps = pipeline_steps('[{"job": "a", "parameters": {"ds": "x.y"}}, {"job": "b"}, '
                               '{"job": "c", "parameters": {"ds": "z.w"}}]')
        self.assertIsNone(step_input(steps, 0, None))
        self.assertEqual("x.y[? recnum = 1 ?]", step_input(steps, 1, "x.y[? recnum = 1 ?]"))
        self.assertIsNone(step_input(steps, 2, "ignored"))
        with self.assertRaises(ValueError):
            step_input(steps, 1, None)


if __name__ == "__main__":
    unittest.main()
