"""Which credentials drms_client sends, without a server: the local token only to a server on this host."""

import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from drms_client import DrmsClient  # noqa: E402


class CredentialsTest(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp()
        with open(os.path.join(self.home, "api-token"), "w") as f:
            f.write("local-token-0123456789\n")
        patcher = mock.patch.dict(os.environ, {"DRMS_HOME": self.home}, clear=False)
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop("DRMS_API_TOKEN", None)

    def header(self, url, **kwargs):
        with DrmsClient(url, **kwargs) as c:
            return c.session.headers.get("Authorization"), c.session.auth

    def test_the_local_token_goes_to_a_server_on_this_host_only(self):
        for url in ("http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080"):
            self.assertEqual(("Bearer local-token-0123456789", None), self.header(url), url)
        for url in ("http://drms.example.org:8080", "https://10.1.2.3"):
            self.assertEqual((None, None), self.header(url), url)

    def test_given_credentials_go_wherever_they_are_sent(self):
        self.assertEqual(("Bearer given-token-0123456789", None),
                         self.header("http://drms.example.org", token="given-token-0123456789"))
        self.assertEqual((None, ("alice", "pw")), self.header("http://localhost", auth=("alice", "pw")))


if __name__ == "__main__":
    unittest.main()
