/*
 * Unit tests for the fetcher's header readers (Cache-Control, Retry-After)
 * and for what it does with URLs it must not fetch. Transfers themselves
 * are tested end to end against a scripted server (tests/e2e/test_poll*).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chorus/fetch.h"

static void test_fetch_max_age(void **state)
{
	(void)state;
	assert_int_equal(chorus_fetch_max_age("max-age=600"), 600);
	assert_int_equal(chorus_fetch_max_age("public, max-age=3600"), 3600);
	assert_int_equal(chorus_fetch_max_age("public,max-age = \"90\""), 90);
	assert_int_equal(chorus_fetch_max_age("MAX-AGE=5, must-revalidate"), 5);
	assert_int_equal(chorus_fetch_max_age("no-cache"), 0);
	assert_int_equal(chorus_fetch_max_age("private, no-store"), 0);
	assert_int_equal(chorus_fetch_max_age("public"), -1);
	assert_int_equal(chorus_fetch_max_age("max-age=soon"), -1);
	assert_int_equal(chorus_fetch_max_age(NULL), -1);
}

static void test_fetch_retry_after(void **state)
{
	/* Sat, 21 Nov 2026 12:00:00 GMT */
	const int64_t now = 1795262400;

	(void)state;
	assert_int_equal(chorus_fetch_retry_after("120", now), 120);
	assert_int_equal(chorus_fetch_retry_after(" 0 ", now), 0);
	assert_int_equal(
	    chorus_fetch_retry_after("Sat, 21 Nov 2026 13:00:00 GMT", now),
	    3600);
	/* A date in the past means now. */
	assert_int_equal(
	    chorus_fetch_retry_after("Sat, 21 Nov 2026 11:00:00 GMT", now), 0);
	assert_int_equal(chorus_fetch_retry_after("-5", now), -1);
	assert_int_equal(chorus_fetch_retry_after("soon", now), -1);
	assert_int_equal(chorus_fetch_retry_after("12abc", now), -1);
	assert_int_equal(chorus_fetch_retry_after(NULL, now), -1);
}

struct seen {
	int calls;
	int error;
	char message[256];
};

static int on_done(void *ctx, const struct chorus_fetch_request *req,
		   struct chorus_fetch_result *res)
{
	struct seen *s = ctx;

	(void)req;
	s->calls++;
	s->error = res->error;
	memcpy(s->message, res->message, sizeof(s->message));
	assert_int_equal(res->status, 0);
	assert_int_equal(res->body.len, 0);
	return 0;
}

static void test_fetch_refuses_other_schemes(void **state)
{
	struct chorus_fetch_options opt;
	struct chorus_fetch_request req[3];
	struct seen s;
	const char *urls[] = {"file:///etc/passwd", "ftp://a.example/feed",
			      "gopher://a.example/"};
	size_t i;

	(void)state;
	chorus_fetch_options_init(&opt);
	for (i = 0; i < 3; i++) {
		memset(&req[i], 0, sizeof(req[i]));
		req[i].url = urls[i];
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		    chorus_fetch_run(&opt, &req[i], 1, on_done, &s, NULL), 0);
		assert_int_equal(s.calls, 1);
		assert_int_equal(s.error, CHORUS_EINVAL);
		assert_non_null(strstr(s.message, "only http:// and https://"));
	}
	/* Nothing to fetch is no error. */
	assert_int_equal(chorus_fetch_run(&opt, req, 0, on_done, &s, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fetch_max_age),
	    cmocka_unit_test(test_fetch_retry_after),
	    cmocka_unit_test(test_fetch_refuses_other_schemes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
