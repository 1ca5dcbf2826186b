/*
 * Test driver for the hostile-content browser test: puts the articles of
 * a JSON file straight into a site's store, as a feed would, with a
 * `summary` of raw feed HTML. The store holds whatever the ingest gave it;
 * the renderer must still sanitise every summary on its way to a page, so
 * this is the path hostile feed HTML takes to public/.
 *
 * Usage: hostile_site SITE_DIR ARTICLES.json
 * ARTICLES.json: [{"key", "source", "title", "link", "author", "summary",
 * "text", "published"}, ...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chorus/article.h"
#include "chorus/file.h"
#include "chorus/store.h"

static char *field(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? chorus_strdup(s) : NULL;
}

int main(int argc, char **argv)
{
	struct chorus_err err = {0};
	struct chorus_store *st = NULL;
	json_error_t jerr;
	json_t *arr, *o;
	char *state = NULL, *db = NULL;
	size_t i;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile_site SITE_DIR ARTICLES.json\n");
		return 2;
	}
	arr = json_load_file(argv[2], 0, &jerr);
	if (!json_is_array(arr)) {
		fprintf(stderr, "%s:%d: %s\n", argv[2], jerr.line, jerr.text);
		return 2;
	}
	state = chorus_path_join(argv[1], ".chorus");
	db = state ? chorus_path_join(state, "state.db") : NULL;
	rc = db ? chorus_file_mkdirs(state, &err) : CHORUS_ENOMEM;
	if (!rc)
		rc = chorus_store_open(&st, db, &err);
	if (!rc)
		rc = chorus_store_begin(st, &err);
	json_array_foreach(arr, i, o)
	{
		struct chorus_article a;
		int64_t source_id;

		if (rc)
			break;
		chorus_article_init(&a);
		a.key = field(o, "key");
		a.source = field(o, "source");
		a.title = field(o, "title");
		a.link = field(o, "link");
		a.author = field(o, "author");
		a.summary = field(o, "summary");
		a.text = field(o, "text");
		a.language = chorus_strdup("en");
		a.published = a.updated = (int64_t)json_integer_value(
		    json_object_get(o, "published"));
		a.date_known = 1;
		rc = chorus_store_source_get(st, a.source, NULL, &source_id,
					     &err);
		if (!rc)
			rc = chorus_store_article_put(st, &a, source_id, NULL,
						      &err);
		chorus_article_release(&a);
	}
	if (!rc)
		rc = chorus_store_commit(st, &err);
	if (rc)
		fprintf(stderr, "hostile_site: %s\n", err.msg);
	chorus_store_close(st);
	json_decref(arr);
	free(db);
	free(state);
	return rc ? 1 : 0;
}
