/*
 * Template lookup and rendering (see src/templates_int.h). A site's own
 * templates/ overrides the built-in files one by one; every file is read
 * and compiled once per run and kept in the set.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chorus/file.h"
#include "chorus/mustache.h"
#include "templates_int.h"

struct loaded {
	char *name;
	struct chorus_buf src; /* empty when owned by the built-ins */
	const char *data;
	size_t len;
	struct chorus_mustache *compiled;
	struct loaded *next;
};

struct template_set {
	char *site_dir;
	struct loaded *files;
	struct chorus_err last_err; /* a loader cannot return errors */
	struct chorus_buf scratch;  /* template_set_scratch() */
	struct chorus_buf escape;   /* template_set_escape_buf() */
};

int template_set_new(struct template_set **out, const char *site_dir,
		     struct chorus_err *err)
{
	struct template_set *ts = calloc(1, sizeof(*ts));

	*out = NULL;
	if (!ts)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	if (site_dir && !(ts->site_dir = chorus_strdup(site_dir))) {
		free(ts);
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
	*out = ts;
	return 0;
}

void template_set_free(struct template_set *ts)
{
	struct loaded *l, *next;

	if (!ts)
		return;
	for (l = ts->files; l; l = next) {
		next = l->next;
		free(l->name);
		chorus_buf_release(&l->src);
		chorus_mustache_free(l->compiled);
		free(l);
	}
	free(ts->site_dir);
	chorus_buf_release(&ts->scratch);
	chorus_buf_release(&ts->escape);
	free(ts);
}

struct chorus_buf *template_set_scratch(struct template_set *ts)
{
	chorus_buf_reset(&ts->scratch);
	return &ts->scratch;
}

struct chorus_buf *template_set_escape_buf(struct template_set *ts)
{
	chorus_buf_reset(&ts->escape);
	return &ts->escape;
}

static struct loaded *find_or_load(struct template_set *ts, const char *name,
				   struct chorus_err *err)
{
	const struct chorus_builtin_template *b;
	struct loaded *l;
	char *path = NULL;
	int rc;

	for (l = ts->files; l; l = l->next)
		if (!strcmp(l->name, name))
			return l;
	/* Names come from templates ({{> name}}): never leave the folder. */
	if (strchr(name, '/') || name[0] == '.' || !name[0])
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l || !(l->name = chorus_strdup(name))) {
		free(l);
		chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		return NULL;
	}
	if (ts->site_dir && (path = chorus_path_join(ts->site_dir, name))) {
		struct chorus_err ferr = {0};

		rc = chorus_file_read(path, 4u << 20, &l->src, &ferr);
		if (!rc) {
			l->data = chorus_buf_cstr(&l->src);
			l->len = l->src.len;
		} else if (rc != CHORUS_ENOTFOUND) {
			chorus_err_set(err, rc, "%s", ferr.msg);
			free(path);
			chorus_buf_release(&l->src);
			free(l->name);
			free(l);
			return NULL;
		}
	}
	free(path);
	for (b = chorus_builtin_templates; !l->data && b->name; b++)
		if (!strcmp(b->name, name)) {
			l->data = b->data;
			l->len = b->len;
		}
	if (!l->data) {
		chorus_buf_release(&l->src);
		free(l->name);
		free(l);
		return NULL;
	}
	l->next = ts->files;
	ts->files = l;
	return l;
}

const char *template_set_source(struct template_set *ts, const char *name,
				size_t *len, struct chorus_err *err)
{
	struct loaded *l = find_or_load(ts, name, err);

	if (!l)
		return NULL;
	*len = l->len;
	return l->data;
}

/* The Mustache loader: partial "x" is the file "x.mustache". */
static const char *load_partial(void *ctx, const char *name, size_t *len)
{
	struct template_set *ts = ctx;
	struct chorus_buf file = CHORUS_BUF_INIT;
	const char *src = NULL;

	if (!chorus_buf_printf(&file, "%s.mustache", name))
		src = template_set_source(ts, file.data, len, &ts->last_err);
	chorus_buf_release(&file);
	return src;
}

int template_set_render(struct template_set *ts, const char *name, json_t *data,
			struct chorus_buf *out, struct chorus_err *err)
{
	struct chorus_mustache_loader loader = {load_partial, ts};
	struct loaded *l = find_or_load(ts, name, err);
	int rc;

	if (!l) {
		if (err && err->code)
			return err->code;
		return chorus_err_set(err, CHORUS_ENOTFOUND,
				      "template %s not found in %s or the "
				      "built-in templates",
				      name, ts->site_dir ? ts->site_dir : "-");
	}
	if (!l->compiled) {
		rc = chorus_mustache_compile(&l->compiled, name, l->data,
					     l->len, err);
		if (rc)
			return rc;
	}
	memset(&ts->last_err, 0, sizeof(ts->last_err));
	rc = chorus_mustache_render(l->compiled, data, &loader, out, err);
	if (!rc && ts->last_err.code)
		rc = chorus_err_set(err, ts->last_err.code, "%s",
				    ts->last_err.msg);
	return rc;
}
