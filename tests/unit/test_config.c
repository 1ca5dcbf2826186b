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

	assert_int_equal(chorus_file_write_atomic(path, text, strlen(text),
						  NULL, NULL),
			 0);
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
	assert_non_null(strstr(err.msg, "chorus.ini:3: unknown key \"colour\""));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_without_ini),
		cmocka_unit_test(test_config_reads_site_and_feeds),
		cmocka_unit_test(test_config_errors_name_file_and_line),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
