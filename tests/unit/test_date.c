/*
 * Dates: feedparser's 72 date vectors (shared/conformance/feedparser/
 * date_vectors.tsv) must each give feedparser's UTC time, or a refusal
 * where feedparser refuses; plus formatting and the edge cases chorus
 * adds (zones by name, refusals of what would be a guess).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chorus/date.h"
#include "chorus/error.h"

/* Undo the TSV's JSON string quoting (the inputs hold only \" and \\). */
static void unquote(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	if (*in == '"')
		in++;
	while (*in && *in != '"' && o + 1 < cap) {
		if (*in == '\\' && in[1])
			in++;
		out[o++] = *in++;
	}
	out[o] = '\0';
}

static void test_date_feedparser_vectors(void **state)
{
	char path[1024], line[1024];
	int total = 0, passed = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path),
		 "%s/conformance/feedparser/date_vectors.tsv",
		 CHORUS_SHARED_DIR);
	f = fopen(path, "r");
	if (!f)
		skip();
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		char *cols[5] = {NULL}, input[256],
		     got[CHORUS_DATE_RFC3339_LEN];
		char *p = line;
		int64_t t;
		int i, rc, ok;

		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < 5; i++) {
			cols[i] = p;
			p = strchr(p, '\t');
			if (!p) {
				i++;
				break;
			}
			*p++ = '\0';
		}
		assert_true(i >= 3);
		unquote(cols[1], input, sizeof(input));
		rc = chorus_date_parse(input, &t);
		if (!strcmp(cols[2], "None")) {
			ok = rc == CHORUS_EPARSE;
			if (!ok) {
				chorus_date_format(t, got);
				print_message("%s: want a refusal, got %s\n",
					      input, got);
			}
		} else {
			ok = rc == 0;
			if (ok) {
				chorus_date_format(t, got);
				ok = !strcmp(got, cols[2]);
			}
			if (!ok)
				print_message("%s: want %s, got %s\n", input,
					      cols[2], rc ? "a refusal" : got);
		}
		total++;
		passed += ok;
	}
	fclose(f);
	print_message("date vectors: %d of %d\n", passed, total);
	assert_int_equal(total, 72);
	assert_int_equal(passed, total);
}

static void expect(const char *s, const char *want)
{
	char got[CHORUS_DATE_RFC3339_LEN];
	int64_t t;

	if (!want) {
		assert_int_equal(chorus_date_parse(s, &t), CHORUS_EPARSE);
		return;
	}
	assert_int_equal(chorus_date_parse(s, &t), 0);
	chorus_date_format(t, got);
	assert_string_equal(got, want);
}

static void test_date_common_forms(void **state)
{
	(void)state;
	expect("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z");
	expect("  Tue, 10 Jun 2003 04:00:00 +0200 ", "2003-06-10T02:00:00Z");
	expect("Tue, 10 Jun 2003 04:00:00 CEST", "2003-06-10T02:00:00Z");
	expect("10 Jun 03 04:00 EDT", "2003-06-10T08:00:00Z");
	expect("2003-06-10T04:00:00+05:30", "2003-06-09T22:30:00Z");
	expect("20030610", "2003-06-10T00:00:00Z");
	expect("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z");
	expect("1999-12-31T23:59:59-00:00", "1999-12-31T23:59:59Z");
}

static void test_date_refusals(void **state)
{
	(void)state;
	expect("2023-02-29T12:00:00Z", NULL);	       /* not a leap year */
	expect("Tue, 10 Jun 2003 04:00:00 XYZ", NULL); /* unknown zone */
	expect("yesterday", NULL);
	expect("2003-06-10T04:00", "2003-06-10T04:00:00Z");
	expect("2003-06-10T04", NULL);
	expect("2003-06-10Z", NULL);
	expect(NULL, NULL);
}

static void test_date_format(void **state)
{
	char out[CHORUS_DATE_RFC3339_LEN];

	(void)state;
	chorus_date_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	chorus_date_format(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	chorus_date_format(951782400, out);
	assert_string_equal(out, "2000-02-29T00:00:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_feedparser_vectors),
	    cmocka_unit_test(test_date_common_forms),
	    cmocka_unit_test(test_date_refusals),
	    cmocka_unit_test(test_date_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
