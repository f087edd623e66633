"""The Trainpipe branch decision (no server needed)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from drms_client import FROZEN, WAITING, branch_on_train  # noqa: E402


class BranchTest(unittest.TestCase):
    def test_waiting_goes_to_the_sensor(self):
        self.assertEqual("next_sensor", branch_on_train(WAITING))

    def test_frozen_goes_on(self):
        self.assertEqual("next_metrics", branch_on_train(FROZEN))


if __name__ == "__main__":
    unittest.main()
