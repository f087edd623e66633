"""run_step (drms_client) and the NightlyPipeline DAG's tasks against a running drms-batch server that has a series
of records to rescale and takes the test parameter failAt (DRMS_TEST_URL, DRMS_TEST_PIPELINE_DS); skipped without
them.

The Java test AirflowClientTest starts the server with chunk hooks (failAt), makes the series DRMS_TEST_PIPELINE_DS
of DRMS_TEST_PIPELINE_RECORDS records and runs these tests; it then checks the series the tests made.
"""

import os
import sys
import unittest
import uuid
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import requests  # noqa: E402

import fake_airflow  # noqa: E402
from drms_client import DrmsClient, JobFailed, step_run  # noqa: E402

URL = os.environ.get("DRMS_TEST_URL")
TOKEN = os.environ.get("DRMS_TEST_TOKEN")
INPUT = os.environ.get("DRMS_TEST_PIPELINE_DS")
RECORDS = int(os.environ.get("DRMS_TEST_PIPELINE_RECORDS", "0"))
NAMESPACE = INPUT.split(".")[0] if INPUT else None


@unittest.skipUnless(URL and INPUT, "no server with a series to rescale: set DRMS_TEST_URL and DRMS_TEST_PIPELINE_DS")
class RunStepAgainstServerTest(unittest.TestCase):
    def setUp(self):
        self.client = DrmsClient(URL, timeout=10, retries=1, backoff=0.2, token=TOKEN)
        self.addCleanup(self.client.close)
        self.tag = uuid.uuid4().hex[:8]

    def rescales(self):
        """The rescale executions the server has, by id."""
        return {e["executionId"]: e for e in self.client._request(
            "GET", "/api/jobs/executions", params={"job": "rescale", "limit": 10000}).json()}

    def test_the_job_api_says_which_jobs_take_run(self):
        self.assertTrue(self.client.takes("rescale", "run"))
        self.assertIn("ds", self.client.job("rescale")["optional"])
        self.assertFalse(self.client.takes("counting", "run"))  # its validator does not say
        with self.assertRaises(requests.HTTPError) as unknown:
            self.client.job("no-such-job")
        self.assertEqual(404, unknown.exception.response.status_code)

    def test_a_two_step_chain_where_step_two_takes_step_ones_output(self):
        run1, run2 = "chain-%s-1" % self.tag, "chain-%s-2" % self.tag
        first = self.client.run_step("rescale", {"ds": INPUT, "out": "%s.a%s" % (NAMESPACE, self.tag), "alpha": "2"},
                                     run=run1, poll=0.2, timeout=120)
        self.assertEqual("COMPLETED", first["status"])
        self.assertEqual(run1, first["parameters"]["run"])
        self.assertTrue(first["output"].startswith("%s.a%s[" % (NAMESPACE, self.tag)), first["output"])
        second = self.client.run_step("rescale", {"out": "%s.b%s" % (NAMESPACE, self.tag), "beta": "1"},
                                      ds=first["output"], run=run2, poll=0.2, timeout=120)
        self.assertEqual("COMPLETED", second["status"])
        self.assertEqual(first["output"], second["parameters"]["ds"])
        self.assertEqual(run2, second["parameters"]["run"])
        self.assertTrue(second["output"].startswith("%s.b%s[" % (NAMESPACE, self.tag)), second["output"])
        self.assertEqual(RECORDS, sum(s["write"] for s in second["steps"] if s["name"].startswith("rescaleWorker")))
        # a ds the parameters give wins over the one passed on
        third = self.client.run_step("rescale", {"ds": INPUT, "out": "%s.c%s" % (NAMESPACE, self.tag)},
                                     ds=second["output"], run="chain-%s-3" % self.tag, poll=0.2, timeout=120)
        self.assertEqual(INPUT, third["parameters"]["ds"])

    def test_a_retry_of_a_completed_step_takes_its_output_and_starts_nothing(self):
        params = {"ds": INPUT, "out": "%s.r%s" % (NAMESPACE, self.tag), "alpha": "3"}
        run = "retry-%s-1" % self.tag
        done = self.client.run_step("rescale", params, run=run, poll=0.2, timeout=120)
        before = self.rescales()
        again = self.client.run_step("rescale", params, run=run, poll=0.2, timeout=120)
        self.assertEqual(done["executionId"], again["executionId"])
        self.assertEqual("COMPLETED", again["status"])
        self.assertEqual(done["output"], again["output"])
        self.assertEqual(sorted(before), sorted(self.rescales()), "no new execution")
        # the server's answer to that second start: 409, naming the execution that completed
        with self.assertRaises(requests.HTTPError) as refused:
            self.client.start_job("rescale", dict(params, run=run))
        self.assertEqual(409, refused.exception.response.status_code)
        self.assertEqual(done["executionId"], refused.exception.response.json()["executionId"])
        self.assertIn("already completed", str(refused.exception))

    def test_a_failed_step_raises_with_the_reason_and_its_retry_resumes_the_same_instance(self):
        out = "%s.f%s" % (NAMESPACE, self.tag)
        run = "failing-%s-1" % self.tag
        with self.assertRaises(JobFailed) as failed:
            self.client.run_step("rescale", {"ds": INPUT, "out": out, "chunkSize": "1",
                                             "failAt": "3,java.lang.Long,false"}, run=run, poll=0.2, timeout=120)
        execution = failed.exception.execution
        self.assertEqual("FAILED", execution["status"])
        self.assertIn("failing at item 3", str(failed.exception))
        # (its output names the records it made before it failed; a failed step passes nothing on: it raised)
        # the Airflow retry (the cause fixed: failAt is not identifying) restarts that instance after its 2 records
        retried = self.client.run_step("rescale", {"ds": INPUT, "out": out, "chunkSize": "1"}, run=run, poll=0.2,
                                       timeout=120)
        self.assertEqual("COMPLETED", retried["status"])
        self.assertEqual(execution["instanceId"], retried["instanceId"])
        self.assertNotEqual(execution["executionId"], retried["executionId"])
        self.assertEqual(RECORDS - 2, sum(s["write"] for s in retried["steps"] if s["name"].startswith("rescaleWorker")))
        self.assertTrue(retried["output"].startswith(out + "["), retried["output"])

    def test_bad_parameters_are_refused_with_the_reason(self):
        with self.assertRaises(requests.HTTPError) as refused:
            self.client.run_step("rescale", {"ds": INPUT, "alpha": "two"}, run="bad-%s" % self.tag)
        self.assertEqual(400, refused.exception.response.status_code)
        self.assertIn("alpha", str(refused.exception))
        with self.assertRaises(ValueError):
            self.client.run_step("rescale", {"ds": INPUT, "run": "mine"}, run="bad-%s" % self.tag)

    def test_the_nightly_pipeline_dags_tasks_chain_and_retry(self):
        steps = ('[{"job": "rescale", "parameters": {"ds": "%s", "out": "%s.n%s", "alpha": "-1"}},'
                 ' {"job": "rescale", "parameters": {"out": "%s.m%s", "beta": "0.5"}}]'
                 % (INPUT, NAMESPACE, self.tag, NAMESPACE, self.tag))
        saved = {k: os.environ.get(k) for k in ("DRMS_URL", "DRMS_API_TOKEN", "DRMS_PIPELINE_STEPS",
                                                "DRMS_PIPELINE_POLL", "DRMS_CONN_ID")}

        def restore():
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.addCleanup(restore)
        os.environ.update({"DRMS_URL": URL, "DRMS_API_TOKEN": TOKEN or "", "DRMS_PIPELINE_STEPS": steps,
                           "DRMS_PIPELINE_POLL": "0.2", "DRMS_CONN_ID": "no-such-connection"})
        dag = fake_airflow.loaded_dag(os.path.join(HERE, "..", "dags", "nightly_pipeline.py"), "nightly_run")
        # a logical date of its own (to the second), so that this run's job instances are new
        night = datetime(2026, 12, 5, 2, int(self.tag[:2], 16) % 60, int(self.tag[2:4], 16) % 60,
                         tzinfo=timezone.utc)
        first_task, second_task = dag.TASK_IDS
        xcoms = {}
        xcoms[first_task] = dag.run_pipeline_step(1, ti=fake_airflow.FakeTaskInstance(xcoms), logical_date=night)
        xcoms[second_task] = dag.run_pipeline_step(2, ti=fake_airflow.FakeTaskInstance(xcoms), logical_date=night)
        self.assertTrue(xcoms[first_task].startswith("%s.n%s[" % (NAMESPACE, self.tag)), xcoms[first_task])
        self.assertTrue(xcoms[second_task].startswith("%s.m%s[" % (NAMESPACE, self.tag)), xcoms[second_task])
        runs = {e["parameters"].get("run"): e for e in self.rescales().values()}
        step1 = runs[step_run("NightlyPipeline", night, 1)]
        step2 = runs[step_run("NightlyPipeline", night, 2)]
        self.assertEqual(xcoms[first_task], step2["parameters"]["ds"])
        self.assertEqual(xcoms[second_task], step2["output"])
        self.assertEqual(xcoms[first_task], step1["output"])
        # the whole DAG run cleared and run again: the same outputs, no new execution
        before = self.rescales()
        again = {}
        again[first_task] = dag.run_pipeline_step(1, ti=fake_airflow.FakeTaskInstance(again), logical_date=night)
        again[second_task] = dag.run_pipeline_step(2, ti=fake_airflow.FakeTaskInstance(again), logical_date=night)
        self.assertEqual(xcoms, again)
        self.assertEqual(sorted(before), sorted(self.rescales()))


if __name__ == "__main__":
    unittest.main()
