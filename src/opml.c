/*
 * Reading OPML subscription lists (see include/chorus/opml.h) for
 * `chorus import`. libxml2 builds the (small) tree with network access,
 * DTD loading and entity substitution all off; outlines are walked
 * depth-first so folders of folders are read in document order.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "chorus/opml.h"

static char *attr(xmlNodePtr n, const char *name, int *oom)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *copy;

	if (!v)
		return NULL;
	copy = chorus_strdup((const char *)v);
	xmlFree(v);
	if (!copy)
		*oom = 1;
	return copy;
}

static int walk(xmlNodePtr n, struct chorus_opml_list *out, size_t *cap)
{
	for (; n; n = n->next) {
		int oom = 0;
		char *url;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcmp(n->name, BAD_CAST "outline") &&
		    (url = attr(n, "xmlUrl", &oom))) {
			struct chorus_opml_feed *f;

			if (out->n == *cap) {
				size_t c = *cap ? *cap * 2 : 16;

				f = realloc(out->v, c * sizeof(*f));
				if (!f) {
					free(url);
					return CHORUS_ENOMEM;
				}
				out->v = f;
				*cap = c;
			}
			f = &out->v[out->n++];
			f->xml_url = url;
			f->title = attr(n, "title", &oom);
			if (!f->title)
				f->title = attr(n, "text", &oom);
		}
		if (oom || walk(n->children, out, cap))
			return CHORUS_ENOMEM;
	}
	return 0;
}

int chorus_opml_read(const char *data, size_t len, const char *name,
		     struct chorus_opml_list *out, struct chorus_err *err)
{
	xmlDocPtr doc;
	xmlNodePtr root, body = NULL, n;
	size_t cap = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (len > (size_t)INT32_MAX)
		return chorus_err_set(err, CHORUS_ETOOBIG, "%s: too big", name);
	doc = xmlReadMemory(data, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		const char *m = e && e->message ? e->message : "not XML";

		/* libxml2's messages end with a newline. */
		return chorus_err_set(err, CHORUS_EPARSE, "%s:%d: %.*s", name,
				      e ? e->line : 0, (int)strcspn(m, "\n"),
				      m);
	}
	root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, BAD_CAST "opml")) {
		rc = chorus_err_set(err, CHORUS_EPARSE,
				    "%s: not OPML (the root element is not "
				    "<opml>)",
				    name);
		goto out;
	}
	for (n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(n->name, BAD_CAST "body"))
			body = n;
	if (body && walk(body->children, out, &cap))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
out:
	xmlFreeDoc(doc);
	if (rc)
		chorus_opml_list_release(out);
	return rc;
}

void chorus_opml_list_release(struct chorus_opml_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].xml_url);
		free(l->v[i].title);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
