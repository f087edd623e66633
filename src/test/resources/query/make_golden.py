#!/usr/bin/python3
"""Golden expectations for the record-set query language of drms-batch (specs/drms.md §2.1-§2.4, §3).

INDEPENDENT of the Java code under test: standard library only, its own TAI/UTC conversion (leap-second
table below), its own slot formula, its own latest-version (prime-key logic) selection. Each golden query is
translated BY HAND into predicates over the fixture rows (no query parser here), and this script evaluates
them over the rows it generated.

Run:   /usr/bin/python3 src/test/resources/query/make_golden.py
Writes (next to this file):
  data/<series>.jsonl  one JSON object per record, in insertion order; recnum = line number (1-based), because a
                       fresh series numbers its records 1, 2, ... in insertion order. Keys starting with '#' are
                       not keywords but checks for the loader (e.g. "#T_REC_index": the slot index this script
                       computed, which the loader compares with what the catalog computed).
  golden.tsv           query <TAB> n <TAB> expected <TAB> comment
                       expected = space-separated recnums in result order, or "ERROR p" / "ERROR p|q" (0-based
                       position(s) of the problem; several when the spec leaves the exact spot open), or "" (empty).
                       In queries, "@specs.txt" stands for "@" + the absolute path of specs.txt.
  specs.txt            the @file of form #33.

Conventions taken from the spec (and where it is silent, chosen here and reported):
  * results of one record set are ordered by the INTERNAL prime keys (T_REC_index for slotted keys), ties
    (several versions, only with [! !] or [:#...]) by recnum ascending;
  * n > 0: first n of the whole (concatenated) result; n < 0: the last |n|, still in ascending order;
  * a time without zone is UTC (§2.3), TAI-UTC from the table below;
  * slot index = floor((t - epoch + step/2) / step) for ts_eq (§3);
  * [t/D] covers floor(D/step) slots, at least 1; @K is round(K/step) slots, counted from the start slot;
  * prime-key logic: per prime-key tuple only the newest version (max recnum); a non-prime [? ?] filter is
    applied to THAT version only (an older matching version never leaks, §2.2); [! !] and [:#...] return every
    version that matches;
  * ^ / $ as the FIRST filter are series-wide (over all rows); after other filters, restricted by those to
    the left (a leading [] restricts nothing);
  * an unknown segment name in {...} is an error at the name (the query engine refuses "an unknown series or
    segment"), so forms #14 and #20 as printed in §2.4 (with '{...,duh}') are negative cases here; their meaning is
    tested by the same queries without 'duh'.
"""

import json
import math
import os
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------------------
# time: internal TIME = TAI seconds since 1977.01.01_00:00:00_TAI

# (UTC date from which TAI-UTC has this value); IERS Bulletin C history, last change 2017-01-01.
LEAPS = [
    (date(1972, 1, 1), 10), (date(1972, 7, 1), 11), (date(1973, 1, 1), 12), (date(1974, 1, 1), 13),
    (date(1975, 1, 1), 14), (date(1976, 1, 1), 15), (date(1977, 1, 1), 16), (date(1978, 1, 1), 17),
    (date(1979, 1, 1), 18), (date(1980, 1, 1), 19), (date(1981, 7, 1), 20), (date(1982, 7, 1), 21),
    (date(1983, 7, 1), 22), (date(1985, 7, 1), 23), (date(1988, 1, 1), 24), (date(1990, 1, 1), 25),
    (date(1991, 1, 1), 26), (date(1992, 7, 1), 27), (date(1993, 7, 1), 28), (date(1994, 7, 1), 29),
    (date(1996, 1, 1), 30), (date(1997, 7, 1), 31), (date(1999, 1, 1), 32), (date(2006, 1, 1), 33),
    (date(2009, 1, 1), 34), (date(2012, 7, 1), 35), (date(2015, 7, 1), 36), (date(2017, 1, 1), 37),
]
ORIGIN = date(1977, 1, 1).toordinal()


def tai_minus_utc(d):
    v = 0
    for start, dat in LEAPS:
        if d >= start:
            v = dat
    return v


def internal(y, mo, d, h=0, mi=0, s=0.0, zone="TAI"):
    """Calendar reading in a zone -> TAI seconds since 1977.01.01_00:00:00_TAI."""
    secs = (date(y, mo, d).toordinal() - ORIGIN) * 86400 + h * 3600 + mi * 60 + s
    if zone == "TAI":
        return secs
    if zone == "UTC":   # the TAI reading is the UTC reading + (TAI-UTC)
        return secs + tai_minus_utc(date(y, mo, d))
    raise ValueError(zone)


def parse_time(text):
    """The few forms the golden queries use: YYYY.M.D[_hh:mm[:ss[.f]]][_ZONE] and ISO YYYY-MM-DDThh:mm:ss[.f][Z].
    No zone => UTC."""
    zone = "UTC"
    if "T" in text and "-" in text:                      # ISO
        if text.endswith("Z"):
            text = text[:-1]
        dpart, tpart = text.split("T")
        y, mo, d = (int(x) for x in dpart.split("-"))
        hh, mm, ss = tpart.split(":")
        return internal(y, mo, d, int(hh), int(mm), float(ss), "UTC")
    parts = text.split("_")
    if parts[-1] in ("TAI", "UTC"):
        zone = parts.pop()
    y, mo, d = (int(x) for x in parts[0].split("."))
    h = mi = 0
    s = 0.0
    if len(parts) > 1:
        c = parts[1].split(":")
        h, mi = int(c[0]), int(c[1])
        s = float(c[2]) if len(c) > 2 else 0.0
    return internal(y, mo, d, h, mi, s, zone)


def tai_string(t):
    """TAI seconds -> 'YYYY.MM.DD_hh:mm:ss[.fff]_TAI' (TAI calendar)."""
    days = math.floor(t / 86400)
    rest = t - days * 86400
    dd = date.fromordinal(ORIGIN + days)
    h = int(rest // 3600)
    mi = int((rest - h * 3600) // 60)
    s = rest - h * 3600 - mi * 60
    ss = "%02d" % int(s) if s == int(s) else ("%06.3f" % s).rstrip("0")
    return "%04d.%02d.%02d_%02d:%02d:%s_TAI" % (dd.year, dd.month, dd.day, h, mi, ss)


MDI_EPOCH = internal(1993, 1, 1)
assert MDI_EPOCH == 504921600.0
assert parse_time("2010.05.01_00:00:00_TAI") - MDI_EPOCH == 546825600
assert parse_time("2015.6.7") == parse_time("2015.06.07_00:00:35_TAI")       # §2.3 example
assert parse_time("2010.11.20") - parse_time("2010.11.20_TAI") == 34        # form #35
assert tai_string(parse_time("2016.04.01_06:00:00_TAI")) == "2016.04.01_06:00:00_TAI"


def slot(t, step, epoch=MDI_EPOCH):
    """ts_eq slot index (§3): round to nearest, halves up; slot 0 centred on the epoch."""
    return math.floor((t - epoch + step / 2.0) / step)


assert slot(parse_time("2010.05.01_00:00:00_TAI"), 45) == 12151680          # §3 worked example
assert slot(parse_time("2010.05.01_00:00:00_TAI"), 720) == 759480
assert slot(parse_time("2010.05.01_00:00:22.49_TAI"), 45) == 12151680
assert slot(parse_time("2010.05.01_00:00:22.5_TAI"), 45) == 12151681


def nslots(duration, step):
    """[t/D]: floor(D/step) slots, at least one (§3)."""
    return max(1, math.floor(duration / step))


def skip(k, step):
    """@K on a slotted key: round(K/step) slots (halves up)."""
    return max(1, math.floor(k / step + 0.5))


S, M, H, D = 1, 60, 3600, 86400

# ---------------------------------------------------------------------------------------------------------
# series facts: prime keys (external), which are ts_eq with which step; the internal key of a slotted key is
# its index.

SERIES = {
    "hmi.v_45s": (["T_REC", "CAMERA"], {"T_REC": 45}),
    "hmi.M_45s": (["T_REC", "CAMERA"], {"T_REC": 45}),
    "hmi.M_720s": (["T_REC", "CAMERA"], {"T_REC": 720}),
    "hmi.ic_720s": (["T_REC", "CAMERA"], {"T_REC": 720}),
    "hmi.lw_720s": (["T_REC", "CAMERA"], {"T_REC": 720}),
    "hmi.sharp_720s": (["HARPNUM", "T_REC"], {"T_REC": 720}),
    "aia.lev1_euv_12s": (["T_REC", "WAVELNTH"], {"T_REC": 12}),
    "hmi.rdvfitsc_fd15": (["CarrRot", "CMLon", "LatHG"], {}),
    "hmi.lev0e": (["FSN"], {}),
    "hmi.lev0a": (["FSN"], {}),
    "aia.lev0": (["FSN"], {}),
    "su_arta.testseries": (["SERIALNUM"], {}),
    "hmi.rdMAI_fd30": (["CarrRot", "CMLon", "LonHG"], {}),
    "hmi.hk_dayfile": (["DAY", "APID", "SOURCE"], {}),
}
TIME_KEYS = {"T_REC", "T_OBS", "DAY"}


class Row:
    def __init__(self, recnum, values):
        self.recnum = recnum
        self.v = values          # keyword -> value; time keywords as TAI seconds

    def __getitem__(self, k):
        return self.v[k]


ROWS = {name: [] for name in SERIES}


def add(series, **kw):
    rows = ROWS[series]
    r = Row(len(rows) + 1, kw)
    slotted = SERIES[series][1]
    for k, step in slotted.items():
        r.v[k + "_index"] = slot(kw[k], step)
    rows.append(r)
    return r


def internal_pk(series, r):
    pks, slotted = SERIES[series]
    return tuple(r[k + "_index"] if k in slotted else r[k] for k in pks)


def idx(r):
    return r["T_REC_index"]


# ---------------------------------------------------------------------------------------------------------
# fixture rows (deterministic; insertion order = recnum order)

def T(text):
    return parse_time(text)


def gen_v45():
    s = "hmi.v_45s"
    # A. 2016-04-01 hourly (and the hours either side), cameras 1 and 2 -> forms #1, n=-N
    t0 = T("2016.04.01_00:00:00_TAI")
    for h in range(-1, 25):
        for cam in (1, 2):
            add(s, T_REC=t0 + h * H, CAMERA=cam, QUALITY=h % 3)
    add(s, T_REC=t0 + 6 * H + 45, CAMERA=1, QUALITY=0)     # one slot after 06:00: not on the 6 h grid
    # B. 2013-07-03 08:40:30 .. 08:46:00 every 45 s, cameras 1, 2 -> form #2
    t0 = T("2013.07.03_08:40:30_TAI")
    for i in range(0, 8):
        for cam in (1, 2):
            add(s, T_REC=t0 + i * 45, CAMERA=cam, QUALITY=0)
    # unsnapped T_REC values (stored as given, §3): the half-step rule decides their slot
    add(s, T_REC=T("2013.07.03_08:41:38_TAI"), CAMERA=3, QUALITY=0)     # 23 s after 08:41:15 -> slot 08:42:00 (in)
    add(s, T_REC=T("2013.07.03_08:44:37.4_TAI"), CAMERA=3, QUALITY=0)   # 22.4 s after 08:44:15 -> 08:44:15 (in)
    add(s, T_REC=T("2013.07.03_08:44:37.5_TAI"), CAMERA=4, QUALITY=0)   # 22.5 s -> 08:45:00 (out)
    # C. around 2014-01-01 -> form #3
    for text, cams in [("2013.12.31_23:59:15", (1, 2)), ("2014.01.01_00:00:00", (1, 2)),
                       ("2014.01.01_00:00:45", (1, 2)), ("2014.01.01_00:15:00", (1,)),
                       ("2014.01.01_00:30:00", (1, 2)), ("2014.01.01_00:45:00", (2,)),
                       ("2014.01.01_01:00:00", (1, 2)), ("2014.01.01_01:00:45", (1, 2)),
                       ("2014.01.01_01:01:30", (1, 2))]:
        for cam in cams:
            add(s, T_REC=T(text + "_TAI"), CAMERA=cam, QUALITY=0)
    # D. daily 2010-04-28 .. 2011-05-03: camera 1 at 00:00 (QUALITY -1 on days d%11==5), camera 2 at 00:00 on
    #    even days, camera 1 at 12:00 (never on the 1 d grid) -> forms #6, #7
    t0 = T("2010.04.28_00:00:00_TAI")
    for d in range(0, 371):
        add(s, T_REC=t0 + d * D, CAMERA=1, QUALITY=-1 if d % 11 == 5 else d % 5)
        if d % 2 == 0:
            add(s, T_REC=t0 + d * D, CAMERA=2, QUALITY=d % 4)
        add(s, T_REC=t0 + d * D + 12 * H, CAMERA=1, QUALITY=0)
    # E. 2010-05-01 intraday, camera 1, every hour except 00 and 12 (already there) -> form #7
    t1 = T("2010.05.01_00:00:00_TAI")
    for h in range(1, 24):
        if h != 12:
            add(s, T_REC=t1 + h * H, CAMERA=1, QUALITY=0)
    add(s, T_REC=t1 + 6 * H + 45, CAMERA=2, QUALITY=0)
    # F. new versions, appended: they change QUALITY, which is what the mixed query (#6) tests
    for d in range(0, 371):
        if d % 7 == 3:    # newest version fails QUALITY>=0: the tuple drops out, the older one must not leak
            add(s, T_REC=t0 + d * D, CAMERA=1, QUALITY=-1)
        if d % 11 == 5:   # newest version passes: the tuple comes back with the new recnum
            add(s, T_REC=t0 + d * D, CAMERA=1, QUALITY=0)
        if d % 13 == 6:   # two more versions, the newest wins
            add(s, T_REC=t0 + d * D, CAMERA=1, QUALITY=1)
            add(s, T_REC=t0 + d * D, CAMERA=1, QUALITY=2)
    t2 = T("2016.04.01_06:00:00_TAI")
    for q in (7, -5, 3):
        add(s, T_REC=t2, CAMERA=2, QUALITY=q)
    add(s, T_REC=T("2013.07.03_08:43:30_TAI"), CAMERA=1, QUALITY=9)


def gen_m45():
    s = "hmi.M_45s"
    t0 = T("2010.04.30_23:58:30_TAI")
    for i in range(0, 22):       # 22 slots of 45 s: 2010.04.30_23:58:30 .. 2010.05.01_00:14:15
        add(s, T_REC=t0 + i * 45, CAMERA=1, QUALITY=0)
        if i % 2 == 0:
            add(s, T_REC=t0 + i * 45, CAMERA=2, QUALITY=0)
    add(s, T_REC=T("2010.05.01_00:00:22.49_TAI"), CAMERA=4, QUALITY=0)  # slot 12151680
    add(s, T_REC=T("2010.05.01_00:00:22.5_TAI"), CAMERA=3, QUALITY=0)   # slot 12151681 (half rounds up)
    t1 = T("2010.11.19_23:59:15_TAI")
    for i in range(0, 4):        # 23:59:15, 00:00:00, 00:00:45, 00:01:30: the last is the series' latest slot
        for cam in (1, 2):
            add(s, T_REC=t1 + i * 45, CAMERA=cam, QUALITY=0)
    # versions
    add(s, T_REC=T("2010.05.01_00:00:00_TAI"), CAMERA=2, QUALITY=1)
    add(s, T_REC=T("2010.11.20_00:01:30_TAI"), CAMERA=1, QUALITY=1)


def gen_m720():
    s = "hmi.M_720s"

    def block(start, count, step, cams):
        t0 = T(start)
        for i in range(count):
            for cam in cams:
                add(s, T_REC=t0 + i * step, CAMERA=cam, QUALITY=0)

    block("2011.04.14_00:00:00_TAI", 41, 720, (3,))          # 00:00 .. 08:00 -> form #4
    block("2011.04.14_00:00:00_TAI", 9, H, (2,))
    block("2015.06.06_22:00:00_TAI", 26, 720, (2, 3))         # -> form #14
    block("2017.01.22_23:00:00_TAI", 27, H, (2, 3))           # -> form #32
    block("2017.01.23_00:12:00_TAI", 1, 720, (3,))
    block("2017.01.24_00:12:00_TAI", 1, 720, (2, 3))
    block("2017.10.09_23:00:00_TAI", 11, 720, (2, 3))         # -> form #8
    block("2017.12.03_00:00:00_TAI", 11, 720, (2, 3))         # -> form #9
    block("2019.06.13_23:00:00_TAI", 16, 720, (3,))           # -> form #20; 02:00 is the series' latest slot
    block("2019.06.14_00:00:00_TAI", 1, 720, (2,))
    # versions
    add(s, T_REC=T("2017.12.03_01:12:00_TAI"), CAMERA=3, QUALITY=1)
    add(s, T_REC=T("2017.12.03_01:12:00_TAI"), CAMERA=3, QUALITY=2)
    add(s, T_REC=T("2011.04.14_02:36:00_TAI"), CAMERA=3, QUALITY=1)
    add(s, T_REC=T("2017.01.24_00:00:00_TAI"), CAMERA=2, QUALITY=1)


def gen_ic720():
    s = "hmi.ic_720s"
    for text in ["2010.04.30_18:00:00", "2010.05.01_00:00:00", "2010.05.01_00:12:00", "2010.05.01_06:00:00",
                 "2010.05.01_06:12:00", "2010.05.01_12:00:00", "2010.05.01_18:00:00", "2010.05.02_00:00:00",
                 "2010.05.02_03:00:00"]:
        add(s, T_REC=T(text + "_TAI"), CAMERA=3, QUALITY=0)
    y, m = 2010, 6
    k = 0
    while (y, m) < (2016, 4):
        add(s, T_REC=internal(y, m, 15, (k % 4) * 6), CAMERA=3, QUALITY=0)   # on the 6 h grid
        add(s, T_REC=internal(y, m, 15, 1), CAMERA=3, QUALITY=0)              # 01:00: off the grid
        k += 1
        m += 1
        if m == 13:
            y, m = y + 1, 1
    # unsnapped: 05:54 is exactly half a step after the 05:48 slot -> rounds up into 06:00 (on the grid);
    # 17:53:59.9 stays in the 17:48 slot (off the grid)
    add(s, T_REC=T("2011.01.01_05:54:00_TAI"), CAMERA=3, QUALITY=0)
    add(s, T_REC=T("2011.01.01_17:53:59.9_TAI"), CAMERA=3, QUALITY=0)
    for text in ["2016.03.31_18:00:00", "2016.04.01_00:00:00", "2016.04.01_06:00:00"]:   # end is inclusive
        add(s, T_REC=T(text + "_TAI"), CAMERA=3, QUALITY=0)
    add(s, T_REC=T("2010.05.01_06:00:00_TAI"), CAMERA=3, QUALITY=1)                     # a version


def gen_lw720():
    s = "hmi.lw_720s"
    t0 = T("2012.01.01_00:00:00_TAI")
    for i in range(0, 21):
        for cam in (2, 3):
            add(s, T_REC=t0 + i * 720, CAMERA=cam, QUALITY=0)
        if i in (5, 10):
            add(s, T_REC=t0 + i * 720, CAMERA=1, QUALITY=0)
    add(s, T_REC=t0 + 5 * 720, CAMERA=1, QUALITY=1)
    for q in (1, 2):
        add(s, T_REC=t0 + 720, CAMERA=3, QUALITY=q)


def gen_sharp():
    s = "hmi.sharp_720s"
    t0 = T("2020.09.26_22:00:00_TAI")
    for i in range(0, 21):
        for harp in (7450, 7451, 7452):
            add(s, HARPNUM=harp, T_REC=t0 + i * 720, QUALITY=0)
    t1 = T("2024.12.30_20:00:00_TAI")
    for i in range(0, 70):
        for harp in (12520, 12519):
            add(s, HARPNUM=harp, T_REC=t1 + i * 1440, QUALITY=0)
    add(s, HARPNUM=7451, T_REC=T("2020.09.27_00:00:00_TAI"), QUALITY=1)
    add(s, HARPNUM=12519, T_REC=T("2024.12.31_06:24:00_TAI"), QUALITY=1)


def gen_aia12():
    s = "aia.lev1_euv_12s"
    t0 = T("2025.01.01_04:33:00_TAI")
    for i in range(0, 16):
        for w in (171, 193):
            add(s, T_REC=t0 + i * 12, WAVELNTH=w, QUALITY=0)
    add(s, T_REC=T("2025.01.01_04:34:24_TAI"), WAVELNTH=171, QUALITY=1)
    t1 = T("2014.01.01_00:00:36_TAI")
    for d in range(-1, 368):
        if d % 3 == 0 or d in (-1, 364, 365, 367):
            for w in (335, 171):
                add(s, T_REC=t1 + d * D, WAVELNTH=w, QUALITY=0)
        if d % 9 == 0:
            add(s, T_REC=t1 + d * D - 12, WAVELNTH=335, QUALITY=0)
            add(s, T_REC=t1 + d * D + 12, WAVELNTH=335, QUALITY=0)


def gen_rdvfitsc():
    s = "hmi.rdvfitsc_fd15"
    for cr in (2214, 2212, 2216, 2213, 2215):
        for lon in (37.5, 22.5, 7.5):
            for lat in (15.0, -15.0, 0.0):
                add(s, CarrRot=cr, CMLon=lon, LatHG=lat, QUALITY=0)
    for lat in (0.0, 15.0, -15.0):
        add(s, CarrRot=2213, CMLon=0.0, LatHG=lat, QUALITY=0)
    add(s, CarrRot=2214, CMLon=22.5, LatHG=0.0, QUALITY=1)
    add(s, CarrRot=2213, CMLon=0.0, LatHG=15.0, QUALITY=1)


def gen_lev0e():
    s = "hmi.lev0e"
    t0 = T("2010.05.01_00:00:00_TAI")
    for fsn in range(1760960, 1761111):
        if fsn % 5 == 1 and fsn not in (1760981, 1761091):
            continue
        add(s, FSN=fsn, CAMERA=1 + fsn % 2, T_OBS=t0 + (fsn - 1760960) * 3.75)
    add(s, FSN=1760984, CAMERA=2, T_OBS=t0)
    add(s, FSN=1760990, CAMERA=1, T_OBS=t0)     # the last insert: [:#$] is this version, not the max FSN


def gen_lev0a():
    s = "hmi.lev0a"
    t0 = T("2010.05.01_00:00:00_TAI")
    for i in range(0, 280):
        fsn = 5000 + (i * 7919) % 1000           # a scrambled order: recnum order != FSN order
        add(s, FSN=fsn, CAMERA=1 + i % 2, T_OBS=t0 + i * 3.75)
    for i in (3, 8, 104, 150, 199, 250, 4, 120, 3, 60):
        fsn = 5000 + (i * 7919) % 1000           # new versions of earlier FSNs: recnums 281..290
        add(s, FSN=fsn, CAMERA=2, T_OBS=t0)


def gen_aia_lev0():
    s = "aia.lev0"
    base = T("2010.05.01_00:00:00_TAI")
    for fsn in range(12000, 16601, 20):
        # T_OBS steps 2 s per record from 00:00:00 TAI at FSN 14000; FSN 14340 is 00:00:34 TAI, exactly
        # 2010.05.01_00:00:00_UTC (TAI-UTC = 34 s): not '>' it.
        add(s, FSN=fsn, CAMERA=1 + (fsn // 20) % 4, T_OBS=base + (fsn - 14000) / 10.0)
    add(s, FSN=15000, CAMERA=1, T_OBS=base + 100)     # was camera 2: newest is camera 1, must not leak
    add(s, FSN=15020, CAMERA=2, T_OBS=base + 102)     # was camera 4: newest is camera 2 -> in
    add(s, FSN=15040, CAMERA=2, T_OBS=base + 10)      # camera 2 (was 1) but T_OBS before the bound -> out
    add(s, FSN=13000, CAMERA=2, T_OBS=base + 500)     # was camera 3, newest camera 2, late T_OBS -> in


def gen_arta():
    s = "su_arta.testseries"
    for n in range(200, 701):
        add(s, SERIALNUM=n, VAL=n * 0.5)
    for n in (239, 243, 300, 635, 231):
        add(s, SERIALNUM=n, VAL=-1.0)


def gen_rdmai():
    s = "hmi.rdMAI_fd30"
    for cr in (2231, 2230, 2232):
        for lon in (225.0, 195.0, 210.0):
            for lhg in (255.0, 240.0, 270.0):
                add(s, CarrRot=cr, CMLon=lon, LonHG=lhg, MAI=cr - 2200 + lon / 1000)
    add(s, CarrRot=2231, CMLon=210.0, LonHG=255.0, MAI=-1.0)


def gen_hk():
    s = "hmi.hk_dayfile"
    for d in range(6, 11):
        for apid in (475, 29, 445):
            for src in ("moc", "hsb"):
                add(s, DAY=internal(2007, 11, d), APID=apid, SOURCE=src)
    add(s, DAY=internal(2007, 11, 8), APID=475, SOURCE="hsb")


for g in (gen_v45, gen_m45, gen_m720, gen_ic720, gen_lw720, gen_sharp, gen_aia12, gen_rdvfitsc, gen_lev0e,
          gen_lev0a, gen_aia_lev0, gen_arta, gen_rdmai, gen_hk):
    g()

# ---------------------------------------------------------------------------------------------------------
# query evaluation helpers


def rows_of(series):
    return ROWS[series]


def order(series, rows):
    return sorted(rows, key=lambda r: (internal_pk(series, r), r.recnum))


def latest(series, rows):
    """Prime-key logic: the newest version (max recnum) of every prime-key tuple, over ALL the rows given."""
    best = {}
    for r in rows:
        k = internal_pk(series, r)
        if k not in best or r.recnum > best[k].recnum:
            best[k] = r
    return list(best.values())


def q(series, prime=lambda r: True, where=None, bang=False):
    """One record set. prime: the prime-key filters (same for every version of a tuple); where: a [? ?] (or, with
    bang=True, [! !]) predicate on the record itself. Returns the recnums in result order."""
    rows = rows_of(series)
    if bang:
        out = [r for r in rows if prime(r) and (where is None or where(r))]
    else:
        # mixed rule (§2.2): choose the newest version of each tuple first, then apply the non-prime filter
        out = [r for r in latest(series, rows) if prime(r) and (where is None or where(r))]
    return [r.recnum for r in order(series, out)]


def recnums(series, pred):
    """[:#...]: no prime-key logic, every version whose recnum matches, in prime-key order."""
    return [r.recnum for r in order(series, [r for r in rows_of(series) if pred(r.recnum)])]


def window(start_text, duration, step, at=None):
    """[start/duration(@at)] on T_REC."""
    s0 = slot(T(start_text), step)
    n = nslots(duration, step)
    k = skip(at, step) if at else 1
    return lambda r: s0 <= idx(r) < s0 + n and (idx(r) - s0) % k == 0


def trange(a, b, step, at=None):
    """[a-b(@at)] on T_REC: inclusive on the index."""
    s0, s1 = slot(T(a), step), slot(T(b), step)
    k = skip(at, step) if at else 1
    return lambda r: s0 <= idx(r) <= s1 and (idx(r) - s0) % k == 0


def at_slot(text, step):
    s0 = slot(T(text), step)
    return lambda r: idx(r) == s0


def both(*ps):
    return lambda r: all(p(r) for p in ps)


def series_max(series, key, pred=lambda r: True):
    return max(r[key] for r in rows_of(series) if pred(r))


def series_min(series, key, pred=lambda r: True):
    return min(r[key] for r in rows_of(series) if pred(r))


def err_at(query, *needles):
    """ERROR with the 0-based position(s) of the given substrings (or ints) in the query."""
    ps = []
    for n in needles:
        if isinstance(n, int):
            ps.append(n)
        else:
            i = query.find(n) if not n.startswith("rfind:") else query.rfind(n[6:])
            assert i >= 0, (query, n)
            ps.append(i)
    return "ERROR " + "|".join(str(p) for p in ps)


GOLDEN = []   # (query, n, expected list or error string, comment)


def G(query, expected, comment, n=0):
    if isinstance(expected, list):
        if n > 0:
            expected = expected[:n]
        elif n < 0:
            expected = expected[n:]
    GOLDEN.append((query, n, expected, comment))


def nonempty(xs):
    assert xs, "a golden query should have a non-trivial answer"
    return xs


# ---------------------------------------------------------------------------------------------------------
# the 35 forms of §2.4 (numbered as there), their variants, the edge cases and the negative cases

V = "hmi.v_45s"
# 1. 2016.04.01_TAI/1d@6h: start slot 00:00, 1920 slots, every 480 -> 00,06,12,18 h, cameras 1 and 2.
#    06:00 camera 2 has three versions (QUALITY 7, -5, 3 appended): the newest (QUALITY 3) is returned.
#    06:00:45 (one slot later) is not on the grid; 2016.04.02_00:00 is outside the half-open day.
r1 = nonempty(q(V, window("2016.04.01_TAI", D, 45, 6 * H)))
assert len(r1) == 8
G("hmi.v_45s[2016.04.01_TAI/1d@6h]", r1, "#1")
G("hmi.v_45s[2016.04.01_TAI/1d@6h]", r1, "#1, n=3: first 3", n=3)
G("hmi.v_45s[2016.04.01_TAI/1d@6h]", r1, "#1, n=-3: last 3, ascending", n=-3)
G("hmi.v_45s[2016.04.01_TAI/1d@6h]", r1, "#1, n larger than the set", n=100)
G("HMI.V_45S[2016.04.01_TAI/1d@6h]", r1, "#1, series name is case-insensitive")
G("  hmi.v_45s [2016.04.01_TAI/1d@6h]  ", r1, "#1, whitespace around and before '['")

# 2. 2013.07.03_08:42_TAI/3m: 180/45 = 4 slots 08:42:00, 08:42:45, 08:43:30, 08:44:15; all cameras.
#    Camera 3 at T_REC 08:41:38 (23 s past 08:41:15, so in slot 08:42:00) is in; camera 3 at 08:44:37.4 is in
#    slot 08:44:15 (in); camera 4 at 08:44:37.5 is in slot 08:45:00 (out). 08:43:30 camera 1 has 2 versions.
r2 = nonempty(q(V, window("2013.07.03_08:42_TAI", 3 * M, 45)))
assert len(r2) == 10
G("hmi.v_45s[2013.07.03_08:42_TAI/3m]", r2, "#2")

# 3. 00:00:35 TAI -> slot 00:00:45 (35 + 22.5 < 45 + 22.5 ... floor((35+22.5)/45) = 1), 01:00:35 -> slot 01:00:45:
#    the inclusive index range is 00:00:45 .. 01:00:45; the 00:00:00 records are out, the 01:00:45 ones in.
r3 = nonempty(q(V, trange("2014.01.01_00:00:35_TAI", "2014.01.01_01:00:35_TAI", 45)))
G("hmi.v_45s[2014.01.01_00:00:35_TAI-2014.01.01_01:00:35_TAI]", r3, "#3 inclusive range, ends rounded to slots")

# 6. mixed query: the newest version of each tuple is chosen first, then QUALITY>=0 applied to it (§2.2).
#    d%7==3 days: the newest camera-1 version has QUALITY -1 -> the tuple is out although an older one passes.
#    d%11==5 days: the first version has QUALITY -1, the newest 0 -> in, with the newest recnum.
w6 = window("2010.05.01_TAI", 365 * D, 45, D)
r6 = nonempty(q(V, w6, where=lambda r: r["QUALITY"] >= 0))
G("hmi.v_45s[2010.05.01_TAI/365d@1d][?QUALITY>=0?]", r6, "#6 mixed query: no leak of older versions")
G("hmi.v_45s[2010.05.01_TAI/365d@1d][?QUALITY>=0?]", r6, "#6 with n=-5", n=-5)
G("hmi.v_45s[2010.05.01_TAI/365d@1d][?QUALITY>=0?]", r6, "#6 with n=7", n=7)
leak = q(V, w6, where=lambda r: r["QUALITY"] >= 0, bang=True)
assert len(leak) > len(r6)
G("hmi.v_45s[2010.05.01_TAI/365d@1d][! QUALITY>=0 !]", leak, "[! !]: every matching version, no prime-key logic")
G("hmi.v_45s[2010.05.01_TAI/365d@1d][?QUALITY<0?]", nonempty(q(V, w6, where=lambda r: r["QUALITY"] < 0)),
  "mixed: tuples whose newest version is bad")
G("hmi.v_45s[2010.05.01_TAI/365d@1d]", nonempty(q(V, w6)), "#6 without the SQL filter: every tuple, newest")
G("hmi.v_45s[2010.05.01_TAI/365d@1d][? QUALITY >= 0 ?][?CAMERA=2?]",
  nonempty(q(V, w6, where=lambda r: r["QUALITY"] >= 0 and r["CAMERA"] == 2)), "two [? ?] are ANDed")

# 7. as #1 on 2010-05-01 with a segment list: the segment list does not change which records.
r7 = nonempty(q(V, window("2010.05.01_TAI", D, 45, 6 * H)))
G("hmi.v_45s[2010.05.01_TAI/1d@6h]{Dopplergram}", r7, "#7 segment list")
G("hmi.v_45s[2010.05.01_TAI/1d@6h] {Dopplergram}", r7, "#7 whitespace before '{'")

M720 = "hmi.M_720s"
# 4. 00:30:00 is 2.5 slots of 720 s after midnight: the half rounds UP, so the start slot is 00:36. 6 h = 30
#    slots, @2h = 10 slots -> 00:36, 02:36, 04:36 (camera 3 only; camera 2 is on the hour). 02:36 has 2 versions.
r4 = nonempty(q(M720, window("2011.04.14_00:30:00_TAI", 6 * H, 720, 2 * H)))
assert len(r4) == 3
G("hmi.M_720s[2011.04.14_00:30:00_TAI/6h@2h]", r4, "#4 start between slots: rounds half up to 00:36")

# 8 / 9.
r8 = nonempty(q(M720, both(at_slot("2017.10.10_00:00:00_TAI", 720), lambda r: r["CAMERA"] == 3)))
G("hmi.M_720s[2017.10.10_00:00:00_TAI][3]", r8, "#8 slot and 2nd prime key positional")
r9 = nonempty(q(M720, both(at_slot("2017.12.03_01:12:00_TAI", 720), lambda r: r["CAMERA"] == 3)))
assert len(r9) == 1
G("hmi.M_720s[2017.12.03_01:12:00_TAI][3]{magnetogram}", r9, "#9 one record (newest of 3 versions)")
G("hmi.M_720s[2017.10.10_00:00:00_TAI,2017.12.03_01:12:00_TAI][3]", r8 + r9, "value list ORed, then AND camera")
G("hmi.M_720s[2017.10.10_00:00:00_TAI][]", nonempty(q(M720, at_slot("2017.10.10_00:00:00_TAI", 720))),
  "[] skips the 2nd key")

# 10 / 11. sharp: HARPNUM first, then T_REC.
SH = "hmi.sharp_720s"
r10 = nonempty(q(SH, both(lambda r: r["HARPNUM"] == 7451, at_slot("2020.09.27_00:00:00_TAI", 720))))
assert len(r10) == 1
G("hmi.sharp_720s[7451][2020.09.27_00:00:00_TAI]{continuum, magnetogram, field}", r10, "#10")
G("hmi.sharp_720s[7451] [2020.09.27_00:00:00_TAI] {continuum magnetogram;field}", r10,
  "#10 whitespace between filters; segment names separated by space and ';'")
r11 = nonempty(q(SH, both(lambda r: r["HARPNUM"] == 12519, window("2024.12.30_22:24:00_TAI", D, 720, 8 * H))))
assert len(r11) == 3
G("hmi.sharp_720s[12519][2024.12.30_22:24:00_TAI/1d@8h]{continuum, magnetogram, field}", r11,
  "#11 22:24, 06:24, 14:24")

# 12. 04:33:30.000 without zone = UTC = 04:34:07 TAI (TAI-UTC 37 s) -> slot 04:34:12 (7 s past 04:34:00, over half
#     of 12 s). 1m = 5 slots: 04:34:12 .. 04:35:00; @12s = every slot. WAVELNTH 171 only.
A12 = "aia.lev1_euv_12s"
r12 = nonempty(q(A12, both(window("2025-01-01T04:33:30.000", M, 12, 12), lambda r: r["WAVELNTH"] == 171)))
assert len(r12) == 5
G("aia.lev1_euv_12s[2025-01-01T04:33:30.000/1m@12s][171]{image}", r12, "#12 ISO without zone = UTC")
# 13. 00:00:01Z = 00:00:36 TAI (35 s in 2014) -> slot 00:00:36. 365 d, every 7200 slots (1 d), WAVELNTH 335: the
#     00:00:24 / 00:00:48 records are off the grid; 2015.01.01 is outside.
r13 = nonempty(q(A12, both(window("2014-01-01T00:00:01Z", 365 * D, 12, D), lambda r: r["WAVELNTH"] == 335)))
G("aia.lev1_euv_12s[2014-01-01T00:00:01Z/365d@1d][335]", r13, "#13 ISO with Z")

# 14. 2015.6.7 = 00:00:35 TAI -> slot 00:00 (35 < 360); 2 h = 10 slots 00:00 .. 01:48, cameras 2 and 3.
r14 = nonempty(q(M720, window("2015.6.7", 2 * H, 720)))
assert len(r14) == 20
G("hmi.m_720s[2015.6.7/2h]{magnetogram}", r14, "#14 without the bogus segment name")
q14 = "hmi.m_720s[2015.6.7/2h]{magnetogram,duh}"
G(q14, err_at(q14, "duh", "{"), "#14 as in the spec: unknown segment 'duh' (UNCERTAIN: JSOC's testSpecs.py uses it "
  "as a robustness test; this query engine refuses unknown segments)")

# 15. [$] first: the series-wide latest slot (2010.11.20_00:01:30), any camera; camera 1 there has 2 versions.
M45 = "hmi.M_45s"
mx = series_max(M45, "T_REC_index")
r15 = nonempty(q(M45, lambda r: idx(r) == mx))
assert len(r15) == 2
G("hmi.M_45s[$]", r15, "#15 latest slot, all cameras")
mn = series_min(M45, "T_REC_index")
G("hmi.M_45s[^]", nonempty(q(M45, lambda r: idx(r) == mn)), "[^] earliest slot")

# 16. series-wide latest T_REC of M_720s is 2019.06.14_02:00, which only camera 3 has: [$][1] and [$][2] are
#     empty (restricting the max by the later bracket would wrongly give 2019.06.14_00:00 for camera 2).
mx720 = series_max(M720, "T_REC_index")
assert q(M720, both(lambda r: idx(r) == mx720, lambda r: r["CAMERA"] == 1)) == []
G("hmi.m_720s[$][1]", [], "#16 series-wide latest T_REC AND CAMERA=1: empty")
G("hmi.m_720s[$][2]", q(M720, both(lambda r: idx(r) == mx720, lambda r: r["CAMERA"] == 2)),
  "[$] first is series-wide, not restricted by [2]: empty")
G("hmi.m_720s[$][3]", nonempty(q(M720, both(lambda r: idx(r) == mx720, lambda r: r["CAMERA"] == 3))),
  "[$][3]: one record")
# $ after a filter: restricted by the filters to its left
p = trange("2017.01.23_TAI", "2017.01.24_TAI", 720)
G("hmi.M_720s[2017.01.23_TAI-2017.01.24_TAI][$]",
  nonempty(q(M720, both(p, lambda r: r["CAMERA"] == series_max(M720, "CAMERA", p)))),
  "[$] after a filter: max CAMERA within the range")
p = window("2019.06.14_00:00:00_TAI", 30 * M, 720)
G("hmi.M_720s[2019.06.14_00:00:00_TAI/30m][^]",
  nonempty(q(M720, both(p, lambda r: r["CAMERA"] == series_min(M720, "CAMERA", p)))),
  "[^] after a filter: min CAMERA within the window (camera 2)")

# 17. [][^]: the leading [] restricts nothing, so CAMERA = series-wide min(CAMERA) = 1 (2 slots; one of them has
#     two versions).
LW = "hmi.lw_720s"
r17 = nonempty(q(LW, lambda r: r["CAMERA"] == series_min(LW, "CAMERA")))
assert len(r17) == 2
G("hmi.lw_720s[][^]", r17, "#17")
G("hmi.lw_720s[][$]", nonempty(q(LW, lambda r: r["CAMERA"] == series_max(LW, "CAMERA"))), "[][$]")

# 18. 3-key series, only CMLon = its series-wide min (0.0, only in CarrRot 2213).
RDV = "hmi.rdvfitsc_fd15"
r18 = nonempty(q(RDV, lambda r: r["CMLon"] == series_min(RDV, "CMLon")))
assert len(r18) == 3
G("hmi.rdvfitsc_fd15[][^][]", r18, "#18")

# 19. whole series, latest versions.
r19 = nonempty(q(M720))
G("hmi.m_720s[]{magnetogram}", r19, "#19 whole series")
G("hmi.m_720s", r19, "bare series name = whole series")
G("hmi.m_720s", r19, "bare series name, n=-4", n=-4)

# 20. 2019.06.14 = 00:00:37 TAI -> slot 00:00; 96 m = 8 slots 00:00 .. 01:24. Test sunums are small (a fresh
#     SUMS numbers from 1), so sunum>1148128819 is empty; sunum>0 keeps every record (each has a storage unit).
w20 = window("2019.06.14", 96 * M, 720)
assert q(M720, w20, where=lambda r: False) == []
G("hmi.m_720s[2019.06.14/96m][?sunum>1148128819?]{magnetogram}", [], "#20 (without 'duh'): no sunum that large")
G("hmi.m_720s[2019.06.14/96m][?sunum>0?]{magnetogram}", nonempty(q(M720, w20)), "#20 variant: sunum>0 keeps all")
q20 = "hmi.m_720s[2019.06.14/96m][?sunum>1148128819?]{magnetogram,duh}"
G(q20, err_at(q20, "duh", "{"), "#20 as in the spec: unknown segment 'duh' (UNCERTAIN, see #14)")

# 21. [:#$]: the single record with the largest recnum = the last insert (a new version of FSN 1760990).
E = "hmi.lev0e"
r21 = recnums(E, lambda n: n == len(rows_of(E)))
assert rows_of(E)[r21[0] - 1]["FSN"] == 1760990
G("hmi.lev0e[:#$]", r21, "#21 max recnum")

# 22. recnum sets on hmi.lev0a (FSNs inserted in a scrambled order, so results are in FSN order, not recnum
#     order; recnums 281..290 are new versions of earlier FSNs, and recnum filters return old versions too).
A = "hmi.lev0a"
NA = len(rows_of(A))
G("hmi.lev0a[:#100-#200@10]", recnums(A, lambda n: 100 <= n <= 200 and (n - 100) % 10 == 0), "#22 range+stride")
G("hmi.lev0a[:#100/50]", recnums(A, lambda n: 100 <= n < 150), "#22 N/count")
G("hmi.lev0a[:#^]", recnums(A, lambda n: n == 1), "#22 min recnum")
G("hmi.lev0a[:#5,#9,#12]", recnums(A, lambda n: n in (5, 9, 12)), "#22 list, in FSN order")
G("hmi.lev0a[:#275-#]", recnums(A, lambda n: n >= 275), "open range #N-#: old versions too")
G("hmi.lev0a[:#-#3]", recnums(A, lambda n: n <= 3), "open range #-#M")
G("hmi.lev0a[:#-#@50]", recnums(A, lambda n: (n - 1) % 50 == 0), "#-#@K: stride from the series' min recnum")
G("hmi.lev0a[:#4]", recnums(A, lambda n: n == 4), "one recnum")
G("hmi.lev0a[:#1],hmi.lev0a[:#2]", [1, 2], "two elements, one recnum filter each")
G("hmi.lev0a[:#100-#200@10]", recnums(A, lambda n: 100 <= n <= 200 and (n - 100) % 10 == 0), "#22 with n=-2",
  n=-2)
fsn281 = rows_of(A)[280]["FSN"]   # recnum 281 is a new version of recnum 4 (and of 9: i=3 twice)
r_and = nonempty(recnums(A, lambda n: 281 <= n <= 290 and rows_of(A)[n - 1]["FSN"] == fsn281))
G("hmi.lev0a[:#281-#290][%d]" % fsn281, r_and, "recnum filter AND prime filter: both versions in the range, "
  "the older ones outside it are not")

# 23. FSN in a list.
r23 = nonempty(q(E, lambda r: r["FSN"] in (1760978, 1760984, 1761093)))
assert len(r23) == 3
G("hmi.lev0e[1760978,1760984,1761093]", r23, "#23 value list (1760984 has 2 versions)")
G("hmi.lev0e[1760975-1760990]", nonempty(q(E, lambda r: 1760975 <= r["FSN"] <= 1760990)), "int range inclusive")
G("hmi.lev0e[1760975/10]", nonempty(q(E, lambda r: 1760975 <= r["FSN"] < 1760985)), "int A/D half open")
G("hmi.lev0e[FSN=1760980]", nonempty(q(E, lambda r: r["FSN"] == 1760980)), "named key")
G("hmi.lev0e[1760986]", q(E, lambda r: r["FSN"] == 1760986), "a missing FSN (skipped by gen_lev0e): empty")
G("hmi.lev0e[^]", nonempty(q(E, lambda r: r["FSN"] == series_min(E, "FSN"))), "[^] min FSN")
G("hmi.lev0e[$]", nonempty(q(E, lambda r: r["FSN"] == series_max(E, "FSN"))), "[$] max FSN")
G("hmi.lev0e", nonempty(q(E)), "whole series, n=5", n=5)

# 24. FSN in [12345, 16345), CAMERA=2, T_OBS > 2010.05.01_00:00:00_UTC = 00:00:34 TAI. FSN 14340 (camera 2) has
#     T_OBS exactly 00:00:34 TAI: out. Camera-2 records with T_OBS between 00:00:00 and 00:00:34 TAI would be in if
#     the zone were taken as TAI. FSN 15000 (old camera 2, newest camera 1) must not leak; 15020 (newest camera 2)
#     is in; 15040's newest is camera 2 but too early; 13000's newest is camera 2 with a late T_OBS: in.
AL = "aia.lev0"
tb = T("2010.05.01_00:00:00_UTC")
assert tb == T("2010.05.01_00:00:34_TAI")
r24 = nonempty(q(AL, lambda r: 12345 <= r["FSN"] < 16345, where=lambda r: r["CAMERA"] == 2 and r["T_OBS"] > tb))
G("aia.lev0[12345/4000][?camera=2?][?T_OBS>$(2010.05.01_00:00:00_UTC)?]", r24, "#24 $(time) in [? ?], mixed")
G("aia.lev0[12345/4000][?camera=2?]",
  nonempty(q(AL, lambda r: 12345 <= r["FSN"] < 16345, where=lambda r: r["CAMERA"] == 2)), "#24 without the time")

# 25. 235, 239, ..., 631 (<= 634); 239 and 243 have 2 versions; 635 is outside.
AR = "su_arta.testseries"
r25 = nonempty(q(AR, lambda r: 235 <= r["SERIALNUM"] <= 634 and (r["SERIALNUM"] - 235) % 4 == 0))
assert len(r25) == 100
G("su_arta.testseries[235-634@4]", r25, "#25 integer range with step")
G("su_arta.testseries[#300-#302]", nonempty(q(AR, lambda r: 300 <= r["SERIALNUM"] <= 302)),
  "index syntax on a plain int key: step 1, base 0")
G("su_arta.testseries[235-240,698-700]",
  nonempty(q(AR, lambda r: 235 <= r["SERIALNUM"] <= 240 or 698 <= r["SERIALNUM"] <= 700)), "list of ranges ORed")

# 26. [! 1=1 !]: every row, all versions, ordered by (T_REC_index, CAMERA, recnum).
r26 = q(LW, bang=True)
assert len(r26) == len(rows_of(LW))
G("hmi.Lw_720s[! 1=1 !]", r26, "#26 all versions")
G("hmi.lw_720s[! CAMERA=1 !]", nonempty(q(LW, where=lambda r: r["CAMERA"] == 1, bang=True)), "[! !] with a filter")
G("hmi.lw_720s[? CAMERA=1 ?]", nonempty(q(LW, where=lambda r: r["CAMERA"] == 1)), "[? ?] same filter: newest only")

# 27. named prime keys.
r27 = nonempty(q(M45, both(at_slot("2010.05.01_00:00:00_TAI", 45), lambda r: r["CAMERA"] == 2)))
assert len(r27) == 1
G("hmi.M_45s[T_REC=2010.05.01_00:00:00_TAI][CAMERA=2]", r27, "#27 named keys (newest of 2 versions)")
G("hmi.M_45s[CAMERA=2][T_REC=2010.05.01_00:00:00_TAI]", r27, "#27 named keys in the other order")
G("hmi.M_45s[camera=2][2010.05.01_00:00:00_TAI]", r27,
  "named key does not advance the position: the next positional bracket is T_REC; key names case-insensitive")

# 28.
G("hmi.M_720s[CAMERA=3]", nonempty(q(M720, lambda r: r["CAMERA"] == 3)), "#28 only the 2nd key by name")

# 29. #12151680 is the slot of 2010.05.01_00:00:00_TAI: cameras 1, 2 (2 versions) and 4 (T_REC 00:00:22.49).
r29 = nonempty(q(M45, lambda r: idx(r) == 12151680))
assert len(r29) == 3
G("hmi.M_45s[#12151680]", r29, "#29 slot index")
G("hmi.M_45s[#12151680-#12151682]", nonempty(q(M45, lambda r: 12151680 <= idx(r) <= 12151682)), "index range")
G("hmi.M_45s[#12151680/2]", nonempty(q(M45, lambda r: 12151680 <= idx(r) < 12151682)), "index N/count")

# 30.
MAI = "hmi.rdMAI_fd30"
r30 = nonempty(q(MAI, lambda r: (r["CarrRot"], r["CMLon"], r["LonHG"]) == (2231, 210.0, 255.0)))
assert len(r30) == 1
G("hmi.rdMAI_fd30[2231][210][255.0]", r30, "#30 three numeric keys (newest of 2 versions)")
G("hmi.rdMAI_fd30[2231][][240.0-255.0]",
  nonempty(q(MAI, lambda r: r["CarrRot"] == 2231 and 240.0 <= r["LonHG"] <= 255.0)), "float range inclusive")

# 31. time (not slotted: exact value), int and bare string prime keys.
HK = "hmi.hk_dayfile"
r31 = nonempty(q(HK, lambda r: r["DAY"] == internal(2007, 11, 8) and r["APID"] == 475 and r["SOURCE"] == "hsb"))
assert len(r31) == 1
G("hmi.hk_dayfile[2007.11.08_00:00:00.00_TAI][475][hsb]", r31, "#31 time, int, bare string")
G("hmi.hk_dayfile[2007.11.08_00:00:00.00_TAI][475]['hsb']", r31, "#31 quoted string value")
G("hmi.hk_dayfile[2007.11.08_TAI][][moc]",
  nonempty(q(HK, lambda r: r["DAY"] == internal(2007, 11, 8) and r["SOURCE"] == "moc")), "skip the int key")

# 32. 2017.1.23 (UTC) = 00:00:37 TAI -> slot 00:00 (37 < 360); likewise 2017.1.24; concatenated.
r32a = nonempty(q(M720, at_slot("2017.1.23", 720)))
r32b = nonempty(q(M720, at_slot("2017.1.24", 720)))
G("hmi.M_720s[2017.1.23],hmi.M_720s[2017.1.24]", r32a + r32b, "#32 two record sets concatenated")
G("hmi.M_720s[2017.1.24];hmi.M_720s[2017.1.23]", r32b + r32a, "';' delimiter, order kept")
G("hmi.M_720s[2017.1.24]\nhmi.lev0e[1760978]", r32b + q(E, lambda r: r["FSN"] == 1760978), "newline delimiter")

# 33. @file: one query per line; a '#' after a complete element starts a comment.
SPECS = ["hmi.M_720s[2017.1.23]", "hmi.lev0e[1760978,1760984]   # two FSNs", "hmi.rdMAI_fd30[2231][210][255.0]"]
r33 = r32a + q(E, lambda r: r["FSN"] in (1760978, 1760984)) + r30
G("@specs.txt", r33, "#33 @file (the test substitutes the absolute path)")

# 34. segment names may contain '.'
r34 = nonempty(q(RDV, lambda r: r["CarrRot"] == 2214))
assert len(r34) == 9
G("hmi.rdvfitsc_fd15[2214]{fit.out}", r34, "#34 segment name with '.'")

# 35. 2010.11.20 (UTC) = 00:00:34 TAI -> slot 00:00:45 (34 + 22.5 >= 45); 1 m = 1 slot. With _TAI: slot 00:00:00.
r35u = nonempty(q(M45, window("2010.11.20", M, 45)))
r35t = nonempty(q(M45, window("2010.11.20_TAI", M, 45)))
assert set(r35u).isdisjoint(r35t)
G("hmi.M_45s[2010.11.20/1m]", r35u, "#35 zone-less = UTC: slot 00:00:45 TAI")
G("hmi.M_45s[2010.11.20_TAI/1m]", r35t, "#35 _TAI: slot 00:00:00 TAI")
G("hmi.M_45s[2010.11.20_00:00:34_TAI/1m]", r35u, "#35 the same as the zone-less query, spelt in TAI")

# edge: duration shorter than the step -> one slot (with a warning).
G("hmi.M_45s[2010.05.01_TAI/10s]", nonempty(q(M45, window("2010.05.01_TAI", 10, 45))), "duration < step: 1 slot")
# edge: @100s on a 45 s key -> round(100/45) = 2 slots; 5m = 6 slots (floor 6.67): 00:00:00, 00:01:30, 00:03:00.
r_skip = nonempty(q(M45, window("2010.05.01_TAI", 5 * M, 45, 100)))
G("hmi.M_45s[2010.05.01_TAI/5m@100s]", r_skip, "@100s on 45 s: every 2 slots")
G("hmi.M_45s[2010.05.01_00:00:00_TAI-2010.05.01_00:03:00_TAI@100s]",
  nonempty(q(M45, trange("2010.05.01_00:00:00_TAI", "2010.05.01_00:03:00_TAI", 45, 100))),
  "@100s on an inclusive range")
# edge: half-step rounding of a stored T_REC (22.5 s -> next slot) seen through a query.
G("hmi.M_45s[2010.05.01_00:00:45_TAI]", nonempty(q(M45, at_slot("2010.05.01_00:00:45_TAI", 45))),
  "camera 3 stored at 00:00:22.5 is in slot 00:00:45")
G("hmi.M_45s[2010.05.01_00:00:10_TAI][4]",
  nonempty(q(M45, both(at_slot("2010.05.01_00:00:10_TAI", 45), lambda r: r["CAMERA"] == 4))),
  "a query time is rounded to its slot too")
# edge: 5.9 h sampling on a day of 720-s ic_720s: #5 range + sampling over six years.
IC = "hmi.ic_720s"
r5 = nonempty(q(IC, trange("2010.05.01_TAI", "2016.04.01_TAI", 720, 6 * H)))
G("hmi.ic_720s[2010.05.01_TAI-2016.04.01_TAI@6h]", r5,
  "#5 range + sampling; 05:54 (half step) is in, 17:53:59.9 out, 2016.04.01_00:00 (end) in")

# ---------------------------------------------------------------------------------------------------------
# negative cases: positions are 0-based; several are allowed where the spec does not pin the spot

def NEG(query, comment, *needles):
    G(query, err_at(query, *needles), comment)


NEG("hmi.lev0a[:#1][:#2]", "two recnum filters: at the second one", "[:#2", ":#2")
NEG("hmi.v_45s[QUALITY=0]", "named key that is not prime", "QUALITY")
NEG("hmi.M_45s[FOO=1]", "named key that does not exist", "FOO")
NEG("hmi.v_45s[2016.04.01_TAI/1d][?QUALITY>=0", "unterminated [? (at its '[' or at the end)", "[?",
    len("hmi.v_45s[2016.04.01_TAI/1d][?QUALITY>=0"))
NEG("hmi.lw_720s[! 1=1 ", "unterminated [! (at its '[' or at the end)", "[!", len("hmi.lw_720s[! 1=1 "))
NEG("hmi.M_45s[2010.05.01_TAI", "unterminated [ (at its '[' or at the end)", "[", len("hmi.M_45s[2010.05.01_TAI"))
NEG("hmi.M_720s[2017.10.10_00:00:00_TAI][3][1]", "more positional brackets than prime keys", "[1]")
NEG("hmi.rdMAI_fd30[2231][210][255.0][1]", "4 positional brackets on a 3-key series", "[1]")
NEG("hmi.M_45s[2010.05.01_TAI]{bogus}", "unknown segment (at its name or at '{')", "bogus", "{")
NEG("hmi.no_such_series[2010.05.01_TAI]", "unknown series", 0)
NEG("hmi.M_720s[2017.1.23],hmi.no_such_series", "unknown series in the second element",
    "hmi.no_such_series")
NEG("su_arta.testseries[abc]", "bad value for an int key", "abc")
NEG("hmi.M_720s[2017.10.10_00:00:00_TAI][x3]", "bad value for the int 2nd key", "x3")
NEG("hmi.M_45s[notatime]", "bad value for a time key", "notatime")
NEG("hmi.rdMAI_fd30[2231][abc]", "bad value for a float key", "abc")

# ---------------------------------------------------------------------------------------------------------
# write the outputs


def json_value(k, v):
    if k in TIME_KEYS:
        return tai_string(v)
    return v


def write():
    data = os.path.join(HERE, "data")
    os.makedirs(data, exist_ok=True)
    for series, rows in ROWS.items():
        slotted = SERIES[series][1]
        with open(os.path.join(data, series + ".jsonl"), "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                o = {}
                for k, v in r.v.items():
                    if k.endswith("_index") and k[:-6] in slotted:
                        continue
                    o[k] = json_value(k, v)
                for k in slotted:
                    o["#" + k + "_index"] = r[k + "_index"]
                f.write(json.dumps(o, separators=(",", ":")) + "\n")
    with open(os.path.join(HERE, "specs.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(SPECS) + "\n")
    with open(os.path.join(HERE, "golden.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# query\tn\texpected recnums (or ERROR pos[|pos])\tcomment -- generated by make_golden.py, "
                "do not edit; a '\\n' in a query is a newline\n")
        for query, n, exp, comment in GOLDEN:
            assert "\t" not in query and "\\" not in query
            e = exp if isinstance(exp, str) else " ".join(str(x) for x in exp)
            f.write("%s\t%d\t%s\t%s\n" % (query.replace("\n", "\\n"), n, e, comment))
    # a time-string round trip of every stored time through this script's own parser
    for series, rows in ROWS.items():
        for r in rows:
            for k in TIME_KEYS & set(r.v):
                assert abs(parse_time(tai_string(r[k])) - r[k]) < 1e-6, (series, r.recnum, k)


write()
print("%d golden lines; rows: %s" % (len(GOLDEN), ", ".join("%s %d" % (s, len(r)) for s, r in ROWS.items())))
