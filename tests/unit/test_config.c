/*
 * Unit tests for chorus.ini: defaults, [site] keys, feeds, errors with
 * file and line.
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

#include "chorus/config.h"
#include "chorus/file.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/chorus-config-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void write_ini(const char *text)
{
	char *path = chorus_path_join(dir, "chorus.ini");

	assert_int_equal(
	    chorus_file_write_atomic(path, text, strlen(text), NULL, NULL), 0);
	free(path);
}

static void test_config_defaults_without_ini(void **state)
{
	struct chorus_site s;

	(void)state;
	assert_int_equal(chorus_site_load(&s, "/nonexistent-site", NULL, NULL),
			 0);
	assert_string_equal(s.title, "chorus");
	assert_string_equal(s.language, "en");
	assert_null(s.link);
	assert_string_equal(s.seeds_dir, "/nonexistent-site/seeds");
	assert_string_equal(s.public_dir, "/nonexistent-site/public");
	assert_int_equal(s.max_source_bytes, 32u << 20);
	assert_int_equal(s.source_date_epoch, -1);
	assert_null(s.config_path);
	chorus_site_release(&s);
}

static void test_config_reads_site_and_feeds(void **state)
{
	struct chorus_site s;

	(void)state;
	write_ini("; a comment\n[site]\ntitle = World Desk\n"
		  "link = https://news.example/\npublic = out\n\n"
		  "[feed \"https://a.example/rss\"]\nname = A News\n"
		  "interval = 900\n[feed \"https://b.example/atom\"]\n"
		  "name = B\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, NULL), 0);
	assert_string_equal(s.title, "World Desk");
	assert_string_equal(s.link, "https://news.example/");
	assert_non_null(strstr(s.public_dir, "/out"));
	assert_int_equal(s.n_feeds, 2);
	assert_string_equal(s.feeds[0].url, "https://a.example/rss");
	assert_string_equal(s.feeds[0].name, "A News");
	assert_int_equal(s.feeds[0].interval, 900);
	assert_string_equal(s.feeds[1].name, "B");
	chorus_site_release(&s);
}

static void test_config_errors_name_file_and_line(void **state)
{
	struct chorus_site s;
	struct chorus_err err = {0};

	(void)state;
	write_ini("[site]\ntitle = x\ncolour = blue\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, &err), CHORUS_ECONFIG);
	assert_non_null(
	    strstr(err.msg, "chorus.ini:3: unknown key \"colour\""));
	write_ini("[site]\n\nmax_source_bytes = lots\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, &err), CHORUS_ECONFIG);
	assert_non_null(strstr(err.msg, "chorus.ini:3: max_source_bytes"));
	write_ini("[site]\nthis line is wrong\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, &err), CHORUS_ECONFIG);
	assert_non_null(strstr(err.msg, "chorus.ini:2:"));
	write_ini("[mystery]\na = b\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, &err), CHORUS_ECONFIG);
	assert_non_null(strstr(err.msg, "unknown section [mystery]"));
	assert_int_equal(chorus_site_load(&s, dir, "/nonexistent.ini", &err),
			 CHORUS_ECONFIG);
}

static char *read_ini(void)
{
	char *path = chorus_path_join(dir, "chorus.ini");
	struct chorus_buf b = CHORUS_BUF_INIT;

	assert_int_equal(chorus_file_read(path, 1 << 20, &b, NULL), 0);
	free(path);
	return chorus_buf_detach(&b, NULL);
}

static void test_config_poll_section_and_bare_feeds(void **state)
{
	struct chorus_site s;
	struct chorus_err err = {0};

	(void)state;
	write_ini("[site]\ntitle = x\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, NULL), 0);
	assert_int_equal(s.poll.per_host, 2);
	assert_int_equal(s.poll.parallel, 50);
	assert_int_equal(s.poll.connect_timeout, 15);
	assert_int_equal(s.poll.timeout, 60);
	assert_int_equal(s.poll.max_feed_bytes, 16u << 20);
	chorus_site_release(&s);
	/* A [feed] with no keys is still a subscription, with its line. */
	write_ini("[poll]\nper_host = 8\nparallel = 100\ntimeout = 5\n"
		  "connect_timeout = 3\nmax_feed_bytes = 1000\n"
		  "[feed \"https://a.example/rss\"]\n"
		  "[feed \"https://b.example/rss\"]\nname = B\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, NULL), 0);
	assert_int_equal(s.poll.per_host, 8);
	assert_int_equal(s.poll.parallel, 100);
	assert_int_equal(s.poll.timeout, 5);
	assert_int_equal(s.poll.connect_timeout, 3);
	assert_int_equal(s.poll.max_feed_bytes, 1000);
	assert_int_equal(s.n_feeds, 2);
	assert_string_equal(s.feeds[0].url, "https://a.example/rss");
	assert_null(s.feeds[0].name);
	assert_int_equal(s.feeds[0].line, 7);
	assert_int_equal(s.feeds[1].line, 8);
	assert_non_null(chorus_site_feed(&s, "https://b.example/rss"));
	assert_null(chorus_site_feed(&s, "https://c.example/rss"));
	chorus_site_release(&s);
	write_ini("[site]\n\n[feed \"ftp://a.example/rss\"]\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, &err), CHORUS_ECONFIG);
	assert_non_null(strstr(err.msg, "chorus.ini:3: ftp://a.example/rss: "
					"only http:// and https://"));
	write_ini("[poll]\nper_host = 0\n");
	assert_int_equal(chorus_site_load(&s, dir, NULL, &err), CHORUS_ECONFIG);
	assert_non_null(strstr(err.msg, "chorus.ini:2: per_host must be"));
}

static void test_config_url_check(void **state)
{
	(void)state;
	assert_int_equal(chorus_config_url_check("https://a.example/x", NULL),
			 0);
	assert_int_equal(
	    chorus_config_url_check("http://127.0.0.1:8080/", NULL), 0);
	assert_int_equal(chorus_config_url_check("file:///etc/passwd", NULL),
			 CHORUS_EINVAL);
	assert_int_equal(chorus_config_url_check("gopher://a/", NULL),
			 CHORUS_EINVAL);
	assert_int_equal(chorus_config_url_check("https:///path", NULL),
			 CHORUS_EINVAL);
	assert_int_equal(chorus_config_url_check("https://a/b c", NULL),
			 CHORUS_EINVAL);
	assert_int_equal(chorus_config_url_check("https://a/\"]x", NULL),
			 CHORUS_EINVAL);
}

static void test_config_rewrite_keeps_other_lines(void **state)
{
	const char *orig = "; top\n[site]\ntitle = T ; why\n\n"
			   "# about A\n[feed \"https://a.example/rss\"]\n"
			   "name = A\n; inside A\n\n; about B\n"
			   "[feed \"https://b.example/rss\"]\nname = B\n";
	char *path = chorus_path_join(dir, "chorus.ini");
	struct chorus_err err = {0};
	struct chorus_site s;
	char *text;

	(void)state;
	write_ini(orig);
	assert_int_equal(
	    chorus_config_feed_add(path, "https://c.example/x", "C & D", &err),
	    0);
	text = read_ini();
	assert_int_equal(strncmp(text, orig, strlen(orig)), 0);
	assert_string_equal(text + strlen(orig),
			    "\n[feed \"https://c.example/x\"]\nname = C & D\n");
	free(text);
	assert_int_equal(
	    chorus_config_feed_add(path, "https://a.example/rss", NULL, &err),
	    CHORUS_EINVAL);
	assert_non_null(strstr(err.msg, "already subscribed"));
	/* Removing what add appended gives the file back. */
	assert_int_equal(
	    chorus_config_feed_remove(path, "https://c.example/x", &err), 0);
	text = read_ini();
	assert_string_equal(text, orig);
	free(text);
	/* Removing A keeps the comment about B, which sits above B. */
	assert_int_equal(
	    chorus_config_feed_remove(path, "https://a.example/rss", &err), 0);
	text = read_ini();
	assert_string_equal(text,
			    "; top\n[site]\ntitle = T ; why\n\n"
			    "# about A\n; about B\n"
			    "[feed \"https://b.example/rss\"]\nname = B\n");
	free(text);
	assert_int_equal(
	    chorus_config_feed_remove(path, "https://a.example/rss", &err),
	    CHORUS_ENOTFOUND);
	/* A move renames the section and keeps its keys. */
	assert_int_equal(
	    chorus_config_feed_rename(path, "https://b.example/rss",
				      "https://b2.example/feed", &err),
	    0);
	assert_int_equal(chorus_site_load(&s, dir, NULL, NULL), 0);
	assert_int_equal(s.n_feeds, 1);
	assert_string_equal(s.feeds[0].url, "https://b2.example/feed");
	assert_string_equal(s.feeds[0].name, "B");
	assert_string_equal(s.title, "T");
	chorus_site_release(&s);
	assert_int_equal(chorus_config_feed_rename(path,
						   "https://b.example/rss",
						   "https://b3.example/", &err),
			 CHORUS_ENOTFOUND);
	assert_int_equal(chorus_config_feed_rename(path,
						   "https://b2.example/feed",
						   "file:///etc/passwd", &err),
			 CHORUS_EINVAL);
	/* add creates the file when there is none. */
	unlink(path);
	assert_int_equal(
	    chorus_config_feed_add(path, "https://d.example/", NULL, &err), 0);
	text = read_ini();
	assert_string_equal(text, "[feed \"https://d.example/\"]\n");
	free(text);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_defaults_without_ini),
	    cmocka_unit_test(test_config_reads_site_and_feeds),
	    cmocka_unit_test(test_config_errors_name_file_and_line),
	    cmocka_unit_test(test_config_poll_section_and_bare_feeds),
	    cmocka_unit_test(test_config_url_check),
	    cmocka_unit_test(test_config_rewrite_keeps_other_lines),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
