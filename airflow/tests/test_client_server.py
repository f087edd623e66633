"""drms_client against a running drms-batch server (DRMS_TEST_URL); skipped without one.

The Java test AirflowClientTest starts the server on a free port and runs these tests with DRMS_TEST_URL set
(and DRMS_TEST_JOB, a job that completes, DRMS_TEST_FAILING_JOB with its parameters, one that fails).
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import requests  # noqa: E402

from drms_client import WAITING, DrmsClient, JobFailed, client_from_connection  # noqa: E402

URL = os.environ.get("DRMS_TEST_URL")
TOKEN = os.environ.get("DRMS_TEST_TOKEN")


@unittest.skipUnless(URL, "no server: set DRMS_TEST_URL")
class ClientAgainstServerTest(unittest.TestCase):
    def setUp(self):
        self.client = DrmsClient(URL, timeout=10, retries=1, backoff=0.2, token=TOKEN)
        self.addCleanup(self.client.close)

    def test_stats_and_train_on_a_buffer_below_its_threshold(self):
        stats = self.client.stats()
        self.assertIn("buff_size", stats)
        self.assertFalse(self.client.buffer_ready(10 ** 12))
        state, _ = self.client.train("tester")
        self.assertEqual(WAITING, state)

    def test_without_credentials_jobs_and_train_are_refused_with_401(self):
        anonymous = DrmsClient(URL, timeout=10, retries=0, auth=("nobody", "wrong-password"))
        self.addCleanup(anonymous.close)
        for call in (lambda: anonymous.start_job("counting", {"key": "x"}), lambda: anonymous.train("x")):
            with self.assertRaises(requests.HTTPError) as refused:
                call()
            self.assertEqual(401, refused.exception.response.status_code)
            self.assertEqual("application/problem+json", refused.exception.response.headers["Content-Type"])

    def test_a_client_from_an_airflow_connection_sends_its_token(self):
        class Conn:
            host, port, schema, login, password = URL, None, None, "", TOKEN
        with client_from_connection(Conn, timeout=10, retries=0) as client:
            state, _ = client.train("airflow")
        self.assertEqual(WAITING, state)

    def test_a_job_that_completes(self):
        job = os.environ.get("DRMS_TEST_JOB")
        if not job:
            self.skipTest("no DRMS_TEST_JOB")
        params = json.loads(os.environ.get("DRMS_TEST_JOB_PARAMS", "{}"))
        ex = self.client.run_job(job, params, poll=0.2, timeout=120)
        self.assertEqual("COMPLETED", ex["status"])

    def test_a_failing_job_fails_the_task(self):
        job = os.environ.get("DRMS_TEST_FAILING_JOB")
        if not job:
            self.skipTest("no DRMS_TEST_FAILING_JOB")
        params = json.loads(os.environ.get("DRMS_TEST_FAILING_JOB_PARAMS", "{}"))
        with self.assertRaises(JobFailed) as failed:
            self.client.run_job(job, params, poll=0.2, timeout=120)
        self.assertEqual("FAILED", failed.exception.execution["status"])

    def test_an_unknown_job_is_refused(self):
        with self.assertRaises(requests.HTTPError) as refused:
            self.client.start_job("no-such-job")
        self.assertEqual(404, refused.exception.response.status_code)


if __name__ == "__main__":
    unittest.main()
