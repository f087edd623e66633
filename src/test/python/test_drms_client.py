"""The real python drms client (python3-drms, from Debian) against this server's JSOC API.

Run by JsocDrmsClientTest with DRMS_TEST_URL (the server), DRMS_TEST_SERIES (a series made by the Java side:
prime keys T_REC and CAMERA, a FITS segment 'image' whose pixel (x, y) is 100*CAMERA + 8*y + x) and
DRMS_TEST_EMAIL (an address the server accepts).
"""
import os
import re
import tempfile
import unittest
import urllib.request

import drms
import numpy as np
from astropy.io import fits

URL = os.environ["DRMS_TEST_URL"].rstrip("/")
SERIES = os.environ["DRMS_TEST_SERIES"]
EMAIL = os.environ["DRMS_TEST_EMAIL"]
T0 = "2010.05.01_00:00:00_TAI"
T1 = "2010.05.01_00:12:00_TAI"


def server():
    return drms.ServerConfig(
        name="drmsbatch",
        cgi_baseurl=URL + "/cgi-bin/ajax/",
        cgi_show_series="show_series",
        cgi_jsoc_info="jsoc_info",
        cgi_jsoc_fetch="jsoc_fetch",
        cgi_check_address="checkAddress.sh",
        http_download_baseurl=URL + "/download/",
        ftp_download_baseurl=None,
    )


def image_data(path):
    with fits.open(path) as hdul:
        for hdu in hdul:
            if hdu.data is not None:
                return np.array(hdu.data), hdu.header.copy()
    raise AssertionError("no image in " + path)


def expected_image(camera):
    y, x = np.mgrid[0:6, 0:8]
    return 100.0 * camera + 8 * y + x


class DrmsClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.client = drms.Client(server=server(), email=EMAIL)  # checks the address with checkAddress.sh

    def test_series_list(self):
        names = self.client.series(r"^jsocpy\.")
        self.assertIn(SERIES, names)
        full = self.client.series(r"^jsocpy\.images$", full=True)
        self.assertEqual(list(full.name), [SERIES])
        self.assertEqual(list(full.primekeys[0]), ["T_REC", "CAMERA"])
        self.assertEqual(full.note[0], "Images for the JSOC API tests")

    def test_info(self):
        si = self.client.info(SERIES)
        self.assertEqual(si.primekeys, ["T_REC", "CAMERA"])
        self.assertEqual(si.unitsize, 2)
        self.assertTrue(si.keywords.loc["T_REC"].is_time)
        self.assertTrue(si.keywords.loc["CAMERA"].is_integer)
        self.assertTrue(si.keywords.loc["EXPTIME"].is_real)
        self.assertEqual(si.segments.loc["image"].protocol, "fits")
        self.assertEqual(si.segments.loc["image"].dims, "8x6")
        self.assertEqual(si.links.loc["CAL"].kind, "STATIC")
        self.assertEqual(self.client.pkeys(SERIES), ["T_REC", "CAMERA"])

    def test_query_keys_and_segments(self):
        keys, segs = self.client.query(SERIES + "[2010.05.01_TAI/1h]", key="T_REC,CAMERA,EXPTIME,GAIN", seg="image")
        self.assertEqual(list(keys.T_REC), [T0, T0, T1, T1])
        self.assertEqual(list(keys.CAMERA), [1, 2, 1, 2])           # converted to numbers by the client
        self.assertEqual(list(keys.EXPTIME[:3]), [0.25, 0.5, 0.25])
        self.assertTrue(np.isnan(keys.EXPTIME[3]))                  # MISSING
        self.assertEqual(list(keys.GAIN), [1.5] * 4)                # a linked keyword
        self.assertEqual(len(segs), 4)
        # the segment paths are served under the download URL, as JSOC serves /SUM paths
        for camera, path in zip(keys.CAMERA, segs.image):
            self.assertRegex(path, r"^/sums/SUM0/D\d+/S\d{5}/image\.fits$")
            with tempfile.TemporaryDirectory() as d:
                local = os.path.join(d, "image.fits")
                urllib.request.urlretrieve(URL + "/download" + path, local)
                data, _ = image_data(local)
                np.testing.assert_array_equal(data, expected_image(camera))

    def test_query_with_record_index_and_limit(self):
        keys = self.client.query(SERIES + "[]", key="CAMERA", rec_index=True, n=-2, pkeys=True)
        self.assertEqual(list(keys.index), [SERIES + "[" + T1 + "][1]", SERIES + "[" + T1 + "][2]"])
        self.assertEqual(list(keys.CAMERA), [1, 2])

    def test_a_bad_query_raises_with_the_servers_reason(self):
        with self.assertRaises(drms.DrmsQueryError) as e:
            self.client.query(SERIES + "[2010.05.01_TAI/1h", key="T_REC")
        self.assertIn("bad query at position", str(e.exception))
        self.assertIn("[status=1]", str(e.exception))

    def test_check_email(self):
        self.assertTrue(self.client.check_email(EMAIL))
        self.assertFalse(self.client.check_email("someone@elsewhere.net"))

    def test_url_quick_as_is_export_and_download(self):
        r = self.client.export(SERIES + "[" + T0 + "]{image}", method="url_quick", protocol="as-is")
        self.assertEqual(r.status, 0)
        self.assertIsNone(r.id)
        self.assertEqual(len(r.data), 2)
        with tempfile.TemporaryDirectory() as d:
            downloaded = r.download(d)
            self.assertEqual(len(downloaded), 2)
            for camera, path in zip([1, 2], downloaded.download):
                self.assertIsNotNone(path, "a file failed to download")
                # url_quick: local names made from the record specs
                self.assertEqual(os.path.basename(path),
                                 "%s.20100501_000000_TAI.%d.image.fits" % (SERIES, camera))
                data, _ = image_data(path)
                np.testing.assert_array_equal(data, expected_image(camera))

    def test_url_fits_export_and_download(self):
        r = self.client.export(SERIES + "[" + T1 + "]{image}", method="url", protocol="fits")
        self.assertIn(r.status, (1, 2))
        self.assertRegex(r.id, r"^JSOC_\d{8}_\d+$")
        self.assertTrue(r.wait(timeout=90, sleep=0.5))
        self.assertTrue(r.has_succeeded())
        self.assertEqual(r.dir, "/exports/" + r.id)
        self.assertEqual(len(r.urls), 2)
        with tempfile.TemporaryDirectory() as d:
            downloaded = r.download(d)
            self.assertEqual(len(downloaded), 2)
            for camera, path in zip([1, 2], downloaded.download):
                self.assertIsNotNone(path, "a file failed to download")
                # the client's file-name template: series, T_REC:A, CAMERA, segment
                self.assertEqual(os.path.basename(path),
                                 "%s.20100501_001200_TAI.%d.image.fits" % (SERIES, camera))
                data, header = image_data(path)
                np.testing.assert_array_equal(data, expected_image(camera))
                self.assertEqual(header["CAMERA"], camera)
                self.assertTrue(str(header["T_REC"]).startswith("2010.05.01_00:12:00"))
                self.assertEqual(header["RECNUM"], int(re.sub(r"\D", "", str(header["RECNUM"]))))

    def test_export_of_an_unknown_series_fails_with_jsocs_text(self):
        with self.assertRaises(drms.DrmsExportError) as e:
            r = self.client.export("jsocpy.nosuch[]", method="url_quick", protocol="as-is")
            r.wait()
        self.assertIn("Cannot export series 'jsocpy.nosuch' - it does not exist.", str(e.exception))


if __name__ == "__main__":
    unittest.main()
