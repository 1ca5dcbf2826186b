/*
 * Unit tests for the util module: buffers, errors, atomic files, the lock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "chorus/buf.h"
#include "chorus/date.h"
#include "chorus/error.h"
#include "chorus/file.h"

static void test_buf_grows_and_detaches(void **state)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	char *s;
	size_t len, i;

	(void)state;
	assert_string_equal(chorus_buf_cstr(&b), "");
	for (i = 0; i < 1000; i++)
		assert_int_equal(chorus_buf_addc(&b, 'x'), 0);
	assert_int_equal(chorus_buf_printf(&b, "-%d-%s", 42, "end"), 0);
	assert_int_equal(b.len, 1007);
	assert_string_equal(b.data + 1000, "-42-end");
	s = chorus_buf_detach(&b, &len);
	assert_int_equal(len, 1007);
	assert_null(b.data);
	free(s);
}

static void test_buf_cap_refuses_and_keeps(void **state)
{
	struct chorus_buf b;

	(void)state;
	chorus_buf_init(&b, 8);
	assert_int_equal(chorus_buf_adds(&b, "12345678"), 0);
	assert_int_equal(chorus_buf_adds(&b, "9"), CHORUS_ETOOBIG);
	assert_string_equal(b.data, "12345678");
	chorus_buf_release(&b);
}

/*
 * The escaper's word-at-a-time scan must find a special byte at every
 * offset of an 8-byte word and across the tail, with each flag set.
 */
static void test_buf_escapes_html(void **state)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	char in[32], want[64];

	(void)state;
	assert_int_equal(chorus_buf_add_escaped(&b, "a<b>&\"c'", 9, 0), 0);
	assert_string_equal(chorus_buf_cstr(&b), "a&lt;b&gt;&amp;\"c'");
	chorus_buf_reset(&b);
	assert_int_equal(
	    chorus_buf_add_escaped(&b, "a<b>&\"c'", 9,
				   CHORUS_ESCAPE_QUOTE | CHORUS_ESCAPE_APOS),
	    0);
	assert_string_equal(chorus_buf_cstr(&b), "a&lt;b&gt;&amp;&quot;c&#39;");
	for (size_t at = 0; at < 20; at++) {
		memset(in, 'x', 20);
		in[20] = '\0';
		in[at] = '"';
		snprintf(want, sizeof(want), "%.*s&quot;%s", (int)at, in,
			 in + at + 1);
		chorus_buf_reset(&b);
		assert_int_equal(
		    chorus_buf_add_escaped(&b, in, 20, CHORUS_ESCAPE_QUOTE), 0);
		assert_string_equal(chorus_buf_cstr(&b), want);
		chorus_buf_reset(&b);
		assert_int_equal(chorus_buf_add_escaped(&b, in, 20, 0), 0);
		assert_string_equal(chorus_buf_cstr(&b), in);
	}
	chorus_buf_release(&b);
}

static void test_err_formats_and_prefixes(void **state)
{
	struct chorus_err err = {0};

	(void)state;
	assert_int_equal(chorus_err_set(&err, CHORUS_EIO, "x:%d: bad", 3),
			 CHORUS_EIO);
	chorus_err_prefix(&err, "seeds/a.txt");
	assert_string_equal(err.msg, "seeds/a.txt: x:3: bad");
	assert_string_equal(chorus_strerror(CHORUS_ENOMEM), "out of memory");
	assert_string_equal(chorus_strerror(-999), "unknown error");
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/chorus-test-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static void test_file_write_skips_identical_bytes(void **state)
{
	char *path = chorus_path_join(tmpdir, "a.txt");
	struct chorus_buf back = CHORUS_BUF_INIT;
	struct stat st1, st2;
	int changed = -1;

	(void)state;
	assert_int_equal(
	    chorus_file_write_atomic(path, "hello", 5, &changed, NULL), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(stat(path, &st1), 0);
	/* Backdate the file so that a rewrite would show. */
	{
		struct timespec old[2] = {{1000000, 0}, {1000000, 0}};

		assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	}
	assert_int_equal(
	    chorus_file_write_atomic(path, "hello", 5, &changed, NULL), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mtime, 1000000);
	assert_int_equal(
	    chorus_file_write_atomic(path, "hello!", 6, &changed, NULL), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(chorus_file_read(path, 0, &back, NULL), 0);
	assert_string_equal(back.data, "hello!");
	chorus_buf_release(&back);
	free(path);
}

static void test_file_read_refuses_over_cap(void **state)
{
	char *path = chorus_path_join(tmpdir, "big.txt");
	struct chorus_buf back = CHORUS_BUF_INIT;
	struct chorus_err err = {0};

	(void)state;
	assert_int_equal(
	    chorus_file_write_atomic(path, "0123456789", 10, NULL, NULL), 0);
	assert_int_equal(chorus_file_read(path, 5, &back, &err),
			 CHORUS_ETOOBIG);
	assert_non_null(strstr(err.msg, "file too large"));
	assert_int_equal(back.len, 0);
	assert_int_equal(chorus_file_read("/nonexistent/x", 0, &back, &err),
			 CHORUS_ENOTFOUND);
	free(path);
}

static void test_lock_is_exclusive(void **state)
{
	char *path = chorus_path_join(tmpdir, "lock");
	struct chorus_lock *a = NULL, *b = NULL;
	struct chorus_err err = {0};

	(void)state;
	assert_int_equal(chorus_lock_acquire(path, &a, &err), 0);
	/* A second open file description conflicts even in one process. */
	assert_int_equal(chorus_lock_acquire(path, &b, &err), CHORUS_ELOCKED);
	assert_null(b);
	assert_non_null(strstr(err.msg, "another chorus run"));
	chorus_lock_release(a);
	assert_int_equal(chorus_lock_acquire(path, &b, &err), 0);
	chorus_lock_release(b);
	free(path);
}

static void test_file_mkdirs_and_join(void **state)
{
	char *deep = chorus_path_join(tmpdir, "x/y/z");
	char *j;
	struct stat st;

	(void)state;
	assert_int_equal(chorus_file_mkdirs(deep, NULL), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	j = chorus_path_join(".", "seeds");
	assert_string_equal(j, "seeds");
	free(j);
	j = chorus_path_join("site/", "public");
	assert_string_equal(j, "site/public");
	free(j);
	j = chorus_path_join("site", "/abs");
	assert_string_equal(j, "/abs");
	free(j);
	free(deep);
}

static void test_date_formats_rfc3339(void **state)
{
	char out[CHORUS_DATE_RFC3339_LEN];
	int64_t t;

	(void)state;
	chorus_date_format(1763510400, out);
	assert_string_equal(out, "2025-11-19T00:00:00Z");
	chorus_date_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(chorus_date_parse("2025-11-19T01:02:03+01:00", &t), 0);
	assert_int_equal(t, 1763510400 + 2 * 60 + 3);
	assert_int_equal(chorus_date_parse("Wed, 19 Nov 2025 00:00:00 GMT", &t),
			 0);
	assert_int_equal(t, 1763510400);
	assert_int_equal(chorus_date_parse("yesterday", &t), CHORUS_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_grows_and_detaches),
	    cmocka_unit_test(test_buf_cap_refuses_and_keeps),
	    cmocka_unit_test(test_buf_escapes_html),
	    cmocka_unit_test(test_err_formats_and_prefixes),
	    cmocka_unit_test(test_file_write_skips_identical_bytes),
	    cmocka_unit_test(test_file_read_refuses_over_cap),
	    cmocka_unit_test(test_lock_is_exclusive),
	    cmocka_unit_test(test_file_mkdirs_and_join),
	    cmocka_unit_test(test_date_formats_rfc3339),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, NULL);
}
