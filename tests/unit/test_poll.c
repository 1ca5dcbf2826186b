/*
 * Unit tests for the poll schedule (next poll, backoff, skipHours and
 * skipDays), the hints read from an RSS channel, and the polling state the
 * store keeps (feed state, fetch log, moves).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chorus/poll.h"
#include "chorus/store.h"

/* Thu, 19 Nov 2026 10:00:00 GMT */
#define T0 ((int64_t)1795082400)

static void test_poll_next_interval_and_server_hints(void **state)
{
	struct chorus_poll_hints h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(chorus_poll_next(T0, 3600, -1, NULL, 0), T0 + 3600);
	assert_int_equal(chorus_poll_next(T0, 3600, -1, &h, 7), T0 + 3607);
	/* max-age only ever makes the wait longer. */
	assert_int_equal(chorus_poll_next(T0, 3600, 60, &h, 0), T0 + 3600);
	assert_int_equal(chorus_poll_next(T0, 3600, 7200, &h, 0), T0 + 7200);
	/* … and is capped at a week. */
	assert_int_equal(chorus_poll_next(T0, 3600, 400 * 86400, &h, 0),
			 T0 + CHORUS_POLL_MAX_HINT);
	h.interval = 5400; /* RSS ttl 90 */
	assert_int_equal(chorus_poll_next(T0, 3600, 600, &h, 0), T0 + 5400);
	h.interval = 30;
	assert_int_equal(chorus_poll_next(T0, 3600, -1, &h, 0), T0 + 3600);
}

static void test_poll_next_skips_hours_and_days(void **state)
{
	struct chorus_poll_hints h;

	(void)state;
	memset(&h, 0, sizeof(h));
	/* T0 + 1 h is 11:00; skipping 11 and 12 gives 13:00. */
	h.skip_hours = (1u << 11) | (1u << 12);
	assert_int_equal(chorus_poll_next(T0, 3600, -1, &h, 0), T0 + 3 * 3600);
	/* Thursday skipped: Friday 00:00. */
	memset(&h, 0, sizeof(h));
	h.skip_days = 1u << 4;
	assert_int_equal(chorus_poll_next(T0, 3600, -1, &h, 0), T0 + 14 * 3600);
	/* Everything skipped: the plain wait rather than never. */
	h.skip_days = 0x7f;
	assert_int_equal(chorus_poll_next(T0, 3600, -1, &h, 0), T0 + 3600);
}

static void test_poll_backoff_doubles_to_a_day(void **state)
{
	(void)state;
	assert_int_equal(chorus_poll_backoff(3600, 1), 3600);
	assert_int_equal(chorus_poll_backoff(3600, 2), 7200);
	assert_int_equal(chorus_poll_backoff(3600, 3), 14400);
	assert_int_equal(chorus_poll_backoff(3600, 6), 86400);
	assert_int_equal(chorus_poll_backoff(3600, 60), 86400);
	assert_int_equal(chorus_poll_backoff(2, 3), 8);
	/* A feed polled weekly is not polled sooner because it failed. */
	assert_int_equal(chorus_poll_backoff(7 * 86400, 4), 7 * 86400);
}

static void test_poll_hints_from_rss_channel(void **state)
{
	const char *rss =
	    "<?xml version=\"1.0\"?><rss version=\"2.0\" "
	    "xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\">"
	    "<channel><title>T</title><ttl>60</ttl>"
	    "<sy:updatePeriod>daily</sy:updatePeriod>"
	    "<sy:updateFrequency>4</sy:updateFrequency>"
	    "<skipHours><hour>0</hour><hour>23</hour><hour>24</hour>"
	    "</skipHours>"
	    "<item><title>no <ttl>1</ttl> here</title></item>"
	    "<item><title>x</title></item>"
	    "<skipDays><day>Saturday</day><day> Sunday </day></skipDays>"
	    "</channel></rss>";
	const char *atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
			   "<title>A</title></feed>";
	struct chorus_poll_hints h;

	(void)state;
	chorus_poll_hints_scan(rss, strlen(rss), &h);
	/* daily / 4 = 6 h, longer than ttl's 1 h. */
	assert_int_equal(h.interval, 6 * 3600);
	assert_int_equal(h.skip_hours, (1u << 0) | (1u << 23));
	assert_int_equal(h.skip_days, (1u << 6) | (1u << 0));
	chorus_poll_hints_scan(atom, strlen(atom), &h);
	assert_int_equal(h.interval, 0);
	assert_int_equal(h.skip_hours, 0);
	assert_int_equal(h.skip_days, 0);
	chorus_poll_hints_scan("<rss><channel><ttl>30</ttl>", 27, &h);
	assert_int_equal(h.interval, 1800);
}

static void test_poll_state_in_the_store(void **state)
{
	char dir[] = "/tmp/chorus-poll-XXXXXX";
	char path[64];
	struct chorus_store *st;
	struct chorus_feed_state f, g;
	struct chorus_fetch_record rec;
	int64_t count;
	int found, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
	assert_int_equal(chorus_store_open(&st, path, NULL), 0);
	chorus_feed_state_init(&f);
	chorus_feed_state_init(&g);
	assert_int_equal(
	    chorus_store_feed_get(st, "https://a/", &g, &found, NULL), 0);
	assert_int_equal(found, 0);
	assert_string_equal(g.url, "https://a/");
	f.url = strdup("https://a/");
	f.etag = strdup("W/\"x\"");
	f.last_modified = strdup("Thu, 19 Nov 2026 10:00:00 GMT");
	f.next_poll = T0 + 3600;
	f.failures = 2;
	f.skip_hours = 1u << 23;
	f.doc_interval = 5400;
	assert_int_equal(chorus_store_feed_put(st, &f, NULL), 0);
	assert_int_equal(
	    chorus_store_feed_get(st, "https://a/", &g, &found, NULL), 0);
	assert_int_equal(found, 1);
	assert_string_equal(g.etag, "W/\"x\"");
	assert_string_equal(g.last_modified, "Thu, 19 Nov 2026 10:00:00 GMT");
	assert_int_equal(g.next_poll, T0 + 3600);
	assert_int_equal(g.failures, 2);
	assert_int_equal(g.skip_hours, 1u << 23);
	assert_int_equal(g.doc_interval, 5400);
	assert_null(g.last_error);
	/* The log keeps the last 100 fetches of a feed. */
	memset(&rec, 0, sizeof(rec));
	rec.url = "https://a/";
	rec.status = 200;
	for (i = 0; i < 105; i++) {
		rec.time = T0 + i;
		assert_int_equal(chorus_store_fetch_log(st, &rec, NULL), 0);
	}
	assert_int_equal(
	    chorus_store_fetch_count(st, "https://a/", &count, NULL), 0);
	assert_int_equal(count, 100);
	/* A move takes the state and the log along. */
	assert_int_equal(
	    chorus_store_feed_rename(st, "https://a/", "https://b/", NULL), 0);
	assert_int_equal(
	    chorus_store_feed_get(st, "https://a/", &g, &found, NULL), 0);
	assert_int_equal(found, 0);
	assert_int_equal(
	    chorus_store_feed_get(st, "https://b/", &g, &found, NULL), 0);
	assert_int_equal(found, 1);
	assert_string_equal(g.etag, "W/\"x\"");
	assert_int_equal(
	    chorus_store_fetch_count(st, "https://b/", &count, NULL), 0);
	assert_int_equal(count, 100);
	assert_int_equal(chorus_store_feed_forget(st, "https://b/", NULL), 0);
	assert_int_equal(
	    chorus_store_feed_get(st, "https://b/", &g, &found, NULL), 0);
	assert_int_equal(found, 0);
	chorus_feed_state_release(&f);
	chorus_feed_state_release(&g);
	chorus_store_close(st);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_poll_next_interval_and_server_hints),
	    cmocka_unit_test(test_poll_next_skips_hours_and_days),
	    cmocka_unit_test(test_poll_backoff_doubles_to_a_day),
	    cmocka_unit_test(test_poll_hints_from_rss_channel),
	    cmocka_unit_test(test_poll_state_in_the_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
