/*
 * libFuzzer target: the date parser. Any string must parse or be refused
 * without a crash, and a date it reads must survive a round trip through
 * RFC 3339 (format, parse again, same instant) when in the years 0001-9999.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chorus/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], out[CHORUS_DATE_RFC3339_LEN];
	int64_t t, t2;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (chorus_date_parse(s, &t))
		return 0;
	/* 0001-01-01 .. 9999-12-31 */
	if (t < -62135596800LL || t > 253402300799LL)
		return 0;
	chorus_date_format(t, out);
	if (chorus_date_parse(out, &t2) || t2 != t)
		abort();
	return 0;
}
