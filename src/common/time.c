/*
 * RFC 3339 timestamps <-> microseconds since the epoch, without the C
 * library's time zone machinery (timegm is not C11 and reads TZ files):
 * days_from_civil is Howard Hinnant's public-domain algorithm.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tripact/time.h"

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits at s[*i]; -1 if any is not a digit. */
static int digits_at(const char *s, size_t len, size_t *i, int n)
{
	int v = 0;
	for (int k = 0; k < n; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	return v;
}

static int expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return 0;
	(*i)++;
	return 1;
}

enum tp_err tp_time_parse(const char *s, size_t len, unsigned flags,
			  tp_time_us *out, int *digits, struct tp_diag *d)
{
	size_t i = 0;
	int any = (flags & TP_TIME_ANY_OFFSET) != 0;
	int y = digits_at(s, len, &i, 4);
	if (y < 0 || !expect(s, len, &i, '-'))
		goto bad;
	int mo = digits_at(s, len, &i, 2);
	if (mo < 1 || mo > 12 || !expect(s, len, &i, '-'))
		goto bad;
	int dd = digits_at(s, len, &i, 2);
	if (dd < 1 || (unsigned)dd > days_in_month(y, (unsigned)mo))
		goto bad;
	if (!(expect(s, len, &i, 'T') || (any && expect(s, len, &i, 't'))))
		goto bad;
	int hh = digits_at(s, len, &i, 2);
	if (hh < 0 || hh > 23 || !expect(s, len, &i, ':'))
		goto bad;
	int mi = digits_at(s, len, &i, 2);
	if (mi < 0 || mi > 59 || !expect(s, len, &i, ':'))
		goto bad;
	int ss = digits_at(s, len, &i, 2);
	if (ss < 0 || ss > 60) /* 60: a leap second, folded into :59.999999 */
		goto bad;
	int64_t frac = 0;
	int nd = 0;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nd < 6)
				frac = frac * 10 + (s[i] - '0');
			nd++;
			i++;
		}
		if (nd == 0)
			goto bad;
		for (int k = nd; k < 6; k++)
			frac *= 10;
	}
	int64_t offset = 0;
	if (expect(s, len, &i, 'Z') || (any && expect(s, len, &i, 'z'))) {
		/* UTC */
	} else if (any && i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i++] == '-' ? -1 : 1;
		int oh = digits_at(s, len, &i, 2);
		if (oh < 0 || oh > 23 || !expect(s, len, &i, ':'))
			goto bad;
		int om = digits_at(s, len, &i, 2);
		if (om < 0 || om > 59)
			goto bad;
		offset = sign * (int64_t)(oh * 3600 + om * 60);
	} else {
		if (d)
			d->column = (long)i + 1;
		return tp_diag_set(d, TP_EPARSE,
				   "timestamp '%.*s' must end in 'Z' (UTC)",
				   (int)(len > 64 ? 64 : len), s);
	}
	if (i != len)
		goto bad;
	if (ss == 60) {
		ss = 59;
		frac = 999999;
	}
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)dd);
	int64_t secs = days * 86400 + hh * 3600 + mi * 60 + ss - offset;
	*out = secs * 1000000 + frac;
	if (digits)
		*digits = nd;
	return TP_OK;
bad:
	if (d)
		d->column = (long)i + 1;
	return tp_diag_set(d, TP_EPARSE,
			   "'%.*s' is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)",
			   (int)(len > 64 ? 64 : len), s);
}

void tp_time_format(tp_time_us t, int digits, char *out)
{
	int64_t secs = t / 1000000, us = t % 1000000;
	if (us < 0) {
		us += 1000000;
		secs -= 1;
	}
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days -= 1;
	}
	int64_t y;
	unsigned m, dd;
	civil_from_days(days, &y, &m, &dd);
	int n = snprintf(out, TP_TIME_BUFSZ, "%04lld-%02u-%02uT%02d:%02d:%02d",
			 (long long)y, m, dd, (int)(rem / 3600),
			 (int)(rem / 60 % 60), (int)(rem % 60));
	if (digits < 0)
		digits = us % 1000 ? 6 : 3;
	if (digits > 6)
		digits = 6;
	if (digits > 0) {
		int64_t f = us;
		for (int k = 6; k > digits; k--)
			f /= 10;
		n += snprintf(out + n, (size_t)(TP_TIME_BUFSZ - n), ".%0*lld",
			      digits, (long long)f);
	}
	snprintf(out + n, (size_t)(TP_TIME_BUFSZ - n), "Z");
}

tp_time_us tp_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (tp_time_us)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
