"""The Trainpipe branch decision and sensor check (no server needed)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from drms_client import FROZEN, WAITING, branch_on_train, buffer_reached  # noqa: E402


class BranchTest(unittest.TestCase):
    def test_waiting_goes_to_the_sensor(self):
        self.assertEqual("next_sensor", branch_on_train(WAITING))

    def test_frozen_goes_on(self):
        self.assertEqual("next_metrics", branch_on_train(FROZEN))

    def test_the_sensor_waits_for_the_threshold_in_bytes(self):
        self.assertFalse(buffer_reached({"n_itm": 3, "buff_size": 1999}, 2000))
        self.assertTrue(buffer_reached({"n_itm": 3, "buff_size": 2000}, 2000))

    def test_the_sensor_refuses_an_answer_without_a_size(self):
        with self.assertRaises(ValueError):
            buffer_reached({"resp": "FROZEN"}, 2000)
        with self.assertRaises(ValueError):
            buffer_reached("FROZEN", 2000)


if __name__ == "__main__":
    unittest.main()
