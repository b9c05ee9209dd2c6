/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unix milliseconds to ISO 8601 UTC ("2026-11-24T10:00:00.000Z") for
 * EXT-X-PROGRAM-DATE-TIME, MPD@availabilityStartTime and publishTime.
 *
 * Pure arithmetic (days-to-civil, proleptic Gregorian) rather than
 * gmtime_r: the manifest code then calls no libc time function at all, which
 * makes "the writers never read the clock" checkable with grep, and years are
 * clamped to four digits so the output always fits its 32 bytes.
 */
#include <stdio.h>

#include "manifest.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: four-digit years. */
#define ISO8601_MIN_MS (-62167219200000LL)
#define ISO8601_MAX_MS (253402300799999LL)

void spate_manifest_iso8601(char out[32], int64_t unix_ms)
{
	int64_t secs, days, sod, z, era, doe, yoe, y, doy, mp;
	unsigned d, m, ms;

	if (unix_ms < ISO8601_MIN_MS)
		unix_ms = ISO8601_MIN_MS;
	if (unix_ms > ISO8601_MAX_MS)
		unix_ms = ISO8601_MAX_MS;
	/* Floor divisions: times before 1970 count backwards correctly. */
	secs = unix_ms / 1000 - (unix_ms % 1000 < 0);
	ms = (unsigned)(unix_ms - secs * 1000);
	days = secs / 86400 - (secs % 86400 < 0);
	sod = secs - days * 86400;

	/* H. Hinnant's civil_from_days: eras of 400 years from 0000-03-01. */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;

	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)y % 10000u, m % 100u, d % 100u,
		 (unsigned)(sod / 3600) % 100u, (unsigned)(sod / 60 % 60),
		 (unsigned)(sod % 60), ms % 1000u);
}
