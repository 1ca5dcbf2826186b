/*
 * The conformance harness's reader: parses each feed file named on stdin
 * (one per line: "PATH<TAB>CONTENT-TYPE<TAB>BASE-URL", the last two
 * optional) with the library, as `chorus parse` does, and prints one JSON
 * line per file: {"path", "rc", "error", "feed"}. One process for the
 * whole suite keeps the run to seconds.
 *
 * With --hostile N it instead reads each file whole, cut at N points, and
 * pushed in small uneven slices, checking that nothing crashes (the
 * sanitizers watch) and that slicing changes nothing: the JSON of a
 * document pushed 1 to 13 bytes at a time must equal the JSON of it
 * pushed at once. It prints "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chorus/buf.h"
#include "chorus/feed.h"
#include "chorus/file.h"

static void dump(const char *path, const char *ctype, const char *base)
{
	struct chorus_feed_options opt;
	struct chorus_feed *feed = NULL;
	struct chorus_buf data, js;
	struct chorus_err err;
	json_t *line, *fj = NULL;
	char *s;
	int rc;

	memset(&opt, 0, sizeof(opt));
	memset(&err, 0, sizeof(err));
	opt.content_type = ctype && *ctype ? ctype : NULL;
	opt.base_url = base && *base ? base : NULL;
	chorus_buf_init(&data, 0);
	chorus_buf_init(&js, 0);
	rc = chorus_file_read(path, (size_t)64 << 20, &data, &err);
	if (!rc)
		rc = chorus_feed_parse(data.data ? data.data : "", data.len,
				       &opt, &feed, &err);
	if (!rc && !(rc = chorus_feed_to_json(feed, &js, &err)))
		fj = json_loads(js.data, 0, NULL);
	line = json_pack("{s:s, s:i, s:s, s:o?}", "path", path, "rc", rc,
			 "error", rc ? err.msg : "", "feed", fj);
	s = line ? json_dumps(line, JSON_COMPACT) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(line);
	chorus_feed_free(feed);
	chorus_buf_release(&data);
	chorus_buf_release(&js);
}

/* The JSON of data parsed through the streaming API in slices. */
static int parse_sliced(const char *data, size_t len, size_t step,
			struct chorus_buf *js)
{
	struct chorus_feed_parser *p = NULL;
	struct chorus_feed *feed = NULL;
	struct chorus_err err;
	size_t off = 0, n = 1;
	int rc;

	if ((rc = chorus_feed_parser_new(NULL, NULL, NULL, &p, &err)))
		return rc;
	while (!rc && off < len) {
		n = step ? step : n % 13 + 1;
		if (n > len - off)
			n = len - off;
		rc = chorus_feed_parser_push(p, data + off, n, &err);
		off += n;
		n++;
	}
	if (!rc)
		rc = chorus_feed_parser_finish(p, &feed, &err);
	if (!rc)
		rc = chorus_feed_to_json(feed, js, &err);
	chorus_feed_free(feed);
	chorus_feed_parser_free(p);
	return rc;
}

static int hostile(const char *path, int cuts)
{
	struct chorus_buf data, whole, sliced;
	struct chorus_feed *feed;
	struct chorus_err err;
	int i, rc1, rc2, ok = 1;

	chorus_buf_init(&data, 0);
	chorus_buf_init(&whole, 0);
	chorus_buf_init(&sliced, 0);
	if (chorus_file_read(path, (size_t)64 << 20, &data, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return 0;
	}
	for (i = 1; i < cuts; i++) {
		size_t n = data.len * (size_t)i / (size_t)cuts;

		feed = NULL;
		if (!chorus_feed_parse(data.data, n, NULL, &feed, &err))
			chorus_feed_free(feed);
	}
	rc1 = parse_sliced(data.data ? data.data : "", data.len, 65536, &whole);
	rc2 = parse_sliced(data.data ? data.data : "", data.len, 0, &sliced);
	if (rc1 != rc2 || whole.len != sliced.len ||
	    (whole.len && memcmp(whole.data, sliced.data, whole.len))) {
		printf("FAIL %s: sliced pushes read differently\n%s%s", path,
		       chorus_buf_cstr(&whole), chorus_buf_cstr(&sliced));
		ok = 0;
	}
	chorus_buf_release(&data);
	chorus_buf_release(&whole);
	chorus_buf_release(&sliced);
	return ok;
}

int main(int argc, char **argv)
{
	char line[4096];
	int cuts = 0, passed = 0, failed = 0;

	if (argc == 3 && !strcmp(argv[1], "--hostile"))
		cuts = (int)strtol(argv[2], NULL, 10);
	while (fgets(line, sizeof(line), stdin)) {
		char *ctype = NULL, *base = NULL, *t;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if ((t = strchr(line, '\t'))) {
			*t = '\0';
			ctype = t + 1;
			if ((t = strchr(ctype, '\t'))) {
				*t = '\0';
				base = t + 1;
			}
		}
		if (cuts > 0) {
			if (hostile(line, cuts))
				passed++;
			else
				failed++;
			continue;
		}
		dump(line, ctype, base);
		fflush(stdout);
	}
	if (cuts > 0) {
		printf("%d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	return 0;
}
