/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP-dates without libc: civil-from-days arithmetic (H. Hinnant's
 * algorithms) instead of gmtime_r/strftime/strptime, so there is no
 * locale, no timezone state and no hidden syscall on a worker lcore.
 */
#include "http_response.h"

#include <errno.h>
#include <string.h>

const char spate_http_month_names[12][4] = {"Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec"};
static const char day_names[7][4] = {"Sun", "Mon", "Tue", "Wed",
				     "Thu", "Fri", "Sat"};

/* 9999-12-31T23:59:59Z: the last instant with a four-digit year. */
#define DATE_MAX 253402300799LL

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void spate_http_gmtime(int64_t t, struct spate_http_tm *tm)
{
	int64_t days, z, era;
	unsigned secs, doe, yoe, doy, mp;

	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	secs = (unsigned)(t - days * 86400);
	tm->hour = secs / 3600;
	tm->min = secs / 60 % 60;
	tm->sec = secs % 60;
	/* 1970-01-01 was a Thursday. */
	tm->wday = (unsigned)(((days % 7) + 7 + 4) % 7);

	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = doy - (153 * mp + 2) / 5 + 1;
	tm->mon = mp < 10 ? mp + 3 : mp - 9;
	tm->year = (int64_t)yoe + era * 400 + (tm->mon <= 2);
}

static inline void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void spate_http_date_format(time_t t, char out[SPATE_HTTP_DATE_LEN + 1])
{
	struct spate_http_tm tm;
	int64_t x = (int64_t)t;

	if (x < 0)
		x = 0;
	if (x > DATE_MAX)
		x = DATE_MAX;
	spate_http_gmtime(x, &tm);
	memcpy(out, day_names[tm.wday], 3);
	out[3] = ',';
	out[4] = ' ';
	put2(out + 5, tm.mday);
	out[7] = ' ';
	memcpy(out + 8, spate_http_month_names[tm.mon - 1], 3);
	out[11] = ' ';
	put2(out + 12, (unsigned)(tm.year / 100));
	put2(out + 14, (unsigned)(tm.year % 100));
	out[16] = ' ';
	put2(out + 17, tm.hour);
	out[19] = ':';
	put2(out + 20, tm.min);
	out[22] = ':';
	put2(out + 23, tm.sec);
	memcpy(out + 25, " GMT", 5); /* with the NUL */
}

/* A tiny cursor for the three date grammars. */
struct cur {
	const char *s;
	size_t n, k;
};

static bool lit(struct cur *c, const char *l)
{
	size_t n = strlen(l);

	if (c->n - c->k < n || memcmp(c->s + c->k, l, n) != 0)
		return false;
	c->k += n;
	return true;
}

/* Exactly `w` digits (or, for w == 0, one or two). */
static bool num(struct cur *c, unsigned w, unsigned *out)
{
	unsigned v = 0, got = 0, max = w ? w : 2;

	while (got < max && c->k < c->n && c->s[c->k] >= '0' &&
	       c->s[c->k] <= '9') {
		v = v * 10 + (unsigned)(c->s[c->k++] - '0');
		got++;
	}
	if (got == 0 || (w && got != w))
		return false;
	*out = v;
	return true;
}

static bool month(struct cur *c, unsigned *mon)
{
	if (c->n - c->k < 3)
		return false;
	for (unsigned m = 0; m < 12; m++)
		if (memcmp(c->s + c->k, spate_http_month_names[m], 3) == 0) {
			*mon = m + 1;
			c->k += 3;
			return true;
		}
	return false;
}

static bool hms(struct cur *c, unsigned *h, unsigned *mi, unsigned *s)
{
	return num(c, 2, h) && lit(c, ":") && num(c, 2, mi) && lit(c, ":") &&
	       num(c, 2, s);
}

int spate_http_date_parse(const char *s, size_t len, time_t *out)
{
	struct cur c = {s, len, 0};
	unsigned day, mon, year, h, mi, sec;
	size_t comma;

	/* The day name is not checked: it carries no information. */
	for (comma = 0; comma < len && comma < 10 && s[comma] != ','; comma++)
		;
	if (comma < len && s[comma] == ',') {
		c.k = comma + 1;
		if (!lit(&c, " ") || !num(&c, 2, &day))
			return -EINVAL;
		if (lit(&c, " ")) {
			/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
			if (!month(&c, &mon) || !lit(&c, " ") ||
			    !num(&c, 4, &year) || !lit(&c, " "))
				return -EINVAL;
		} else {
			/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
			if (!lit(&c, "-") || !month(&c, &mon) ||
			    !lit(&c, "-") || !num(&c, 2, &year) ||
			    !lit(&c, " "))
				return -EINVAL;
			/*
			 * RFC 9110 5.6.7 wants two-digit years read as the
			 * nearest past century; a 1970 pivot is that for
			 * every date an origin can meet.
			 */
			year += year < 70 ? 2000 : 1900;
		}
		if (!hms(&c, &h, &mi, &sec) || !lit(&c, " GMT"))
			return -EINVAL;
	} else {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (len < 4)
			return -EINVAL;
		c.k = 3;
		if (!lit(&c, " ") || !month(&c, &mon) || !lit(&c, " "))
			return -EINVAL;
		if (c.k < len && s[c.k] == ' ')
			c.k++;
		if (!num(&c, 0, &day) || !lit(&c, " ") ||
		    !hms(&c, &h, &mi, &sec) || !lit(&c, " ") ||
		    !num(&c, 4, &year))
			return -EINVAL;
	}
	if (c.k != len || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	if (sec == 60)
		sec = 59; /* leap second: the same second for our purposes */
	*out = (time_t)(days_from_civil(year, mon, day) * 86400 + h * 3600 +
			mi * 60 + sec);
	return 0;
}
