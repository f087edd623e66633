/**
 * DRMS time (specs/drms.md §2.3, §3): TAI seconds since 1977.01.01_00:00:00_TAI, parsed and printed like JSOC
 * timeio ({@link org.drmsbatch.drms.time.DrmsTime}), zones ({@link org.drmsbatch.drms.time.Zone}), the leap-second
 * table ({@link org.drmsbatch.drms.time.LeapSeconds}), the Julian/Gregorian calendar
 * ({@link org.drmsbatch.drms.time.CalendarDate}) and slotted-keyword indexes ({@link org.drmsbatch.drms.time.Slot}).
 * A plain library: no Spring, no database.
 */
package org.drmsbatch.drms.time;
