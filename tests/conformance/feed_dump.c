/*
 * The conformance harness's reader: parses each feed file named on stdin
 * (one per line: "PATH<TAB>CONTENT-TYPE<TAB>BASE-URL", the last two
 * optional) with the library, as `chorus parse` does, and prints one JSON
 * line per file: {"path", "rc", "error", "feed"}. One process for the
 * whole suite keeps the run to seconds.
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

int main(void)
{
	char line[4096];

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
		dump(line, ctype, base);
		fflush(stdout);
	}
	return 0;
}
