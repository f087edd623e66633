"""The staging calls of drms_client and the StageExport DAG's tasks against a running drms-batch server whose staging
monitor runs often and that has records on tape (DRMS_TEST_URL and DRMS_TEST_STAGE_DS); skipped without them.

The Java test AirflowStagingTest starts the server with a tape library, takes archived records offline and runs
these tests with DRMS_TEST_STAGE_DS naming them (and DRMS_TEST_STAGE_SUNUMS, their storage units).
"""

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import requests  # noqa: E402

import fake_airflow  # noqa: E402
from drms_client import DrmsClient, StagingFailed, staged_export_id  # noqa: E402

URL = os.environ.get("DRMS_TEST_URL")
TOKEN = os.environ.get("DRMS_TEST_TOKEN")
STAGE_DS = os.environ.get("DRMS_TEST_STAGE_DS")
SUNUMS = [int(s) for s in os.environ.get("DRMS_TEST_STAGE_SUNUMS", "").split(",") if s]


@unittest.skipUnless(URL and STAGE_DS, "no server with records on tape: set DRMS_TEST_URL and DRMS_TEST_STAGE_DS")
class StagingAgainstServerTest(unittest.TestCase):
    def setUp(self):
        self.client = DrmsClient(URL, timeout=10, retries=1, backoff=0.2, token=TOKEN)
        self.addCleanup(self.client.close)

    def wait_done(self, request_id, timeout=120):
        deadline = time.monotonic() + timeout
        while not self.client.staging_done(request_id):
            self.assertLess(time.monotonic(), deadline, "staging request %s not done in %s s" % (request_id, timeout))
            time.sleep(0.2)

    def test_exactly_one_of_ds_sunum_paths(self):
        for kwargs in ({}, {"ds": "a.b", "sunum": [1]}):
            with self.assertRaises(ValueError):
                self.client.stage(**kwargs)

    def test_a_query_that_does_not_parse_is_refused_with_its_position(self):
        with self.assertRaises(requests.HTTPError) as refused:
            self.client.stage(ds="no.such.series[")
        response = refused.exception.response
        self.assertEqual(400, response.status_code)
        self.assertEqual("application/problem+json", response.headers["Content-Type"])
        self.assertIn("position", response.json()["detail"])

    def test_without_credentials_staging_is_refused_with_401(self):
        anonymous = DrmsClient(URL, timeout=10, retries=0, auth=("nobody", "wrong-password"))
        self.addCleanup(anonymous.close)
        with self.assertRaises(requests.HTTPError) as refused:
            anonymous.stage(sunum=[1])
        self.assertEqual(401, refused.exception.response.status_code)

    def test_an_unknown_unit_fails_the_sensor_with_the_reason(self):
        request_id = self.client.stage(sunum=[987654321987])
        deadline = time.monotonic() + 60
        with self.assertRaises(StagingFailed) as failed:
            while not self.client.staging_done(request_id):
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.2)
        self.assertEqual(5, failed.exception.request["return_code"])
        self.assertIn("unknown storage unit 987654321987", str(failed.exception))
        status = self.client.staging_status(request_id, files=True)
        self.assertEqual(1, status["error"])
        self.assertEqual("D987654321987", status["files"][0]["path"])

    def test_an_unknown_request_is_404_and_its_cancel_too(self):
        for call in (lambda: self.client.staging_status("no-such-request"),
                     lambda: self.client.cancel_staging("no-such-request")):
            with self.assertRaises(requests.HTTPError) as refused:
                call()
            self.assertEqual(404, refused.exception.response.status_code)

    def test_units_staged_and_listed(self):
        if not SUNUMS:
            self.skipTest("no DRMS_TEST_STAGE_SUNUMS")
        request_id = self.client.stage(sunum=SUNUMS)
        self.wait_done(request_id)
        status = self.client.staging_status(request_id, files=True)
        self.assertEqual(len(SUNUMS), status["ready"])
        self.assertEqual(0, status["return_code"])
        self.assertEqual(["D%d" % s for s in sorted(SUNUMS)], sorted(f["path"] for f in status["files"]))
        self.assertIn(request_id, [r["id"] for r in self.client.staging_requests(include_ended=True)])
        # cancelling a request that completed only gives its pins up
        self.assertEqual(request_id, self.client.cancel_staging(request_id)["id"])

    def test_the_stage_export_dag_stages_waits_and_exports(self):
        os.environ["DRMS_URL"] = URL
        old_token = os.environ.get("DRMS_API_TOKEN")
        os.environ["DRMS_API_TOKEN"] = TOKEN or ""

        def restore():
            if old_token is None:
                os.environ.pop("DRMS_API_TOKEN", None)
            else:
                os.environ["DRMS_API_TOKEN"] = old_token
        self.addCleanup(restore)
        dag = fake_airflow.loaded_dag(os.path.join(HERE, "..", "dags", "stage_export.py"), "stage_export_run")
        params = {"ds": STAGE_DS}

        staging_id = dag.stage(params=params)
        ti = fake_airflow.FakeTaskInstance({"stage": staging_id})
        pokes = 0
        deadline = time.monotonic() + 120
        while not dag.staged(ti=ti):  # the sensor's pokes
            pokes += 1
            self.assertLess(time.monotonic(), deadline, "not staged in 120 s")
            time.sleep(0.2)
        self.assertGreater(pokes, 0, "the data were offline: the sensor had to wait")
        status = self.client.staging_status(staging_id)
        self.assertEqual(status["total"], status["ready"])
        self.assertEqual(0, status["return_code"])

        result = dag.export(params=params, ti=ti)
        self.assertEqual("COMPLETED", result["status"])
        self.assertEqual(staged_export_id(staging_id), result["requestId"])
        self.assertEqual("COMPLETED", self.client.execution(result["executionId"])["status"])


if __name__ == "__main__":
    unittest.main()
