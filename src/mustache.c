/*
 * The Mustache engine (see include/chorus/mustache.h): compiles a template
 * into a flat node list once, then renders it against jansson data as
 * often as the site has pages.
 *
 * Compiling runs in four passes over the source:
 *   1. tokenize: text (split after every newline, so that a line is a run
 *      of tokens) and tags, switching delimiters as {{=<% %>=}} says;
 *   2. match sections, parents and blocks with their closing tags;
 *   3. apply the standalone-line rule: a line holding only whitespace and
 *      one non-interpolation tag (or one of the adjacent pairs inheritance
 *      allows: {{<p}}{{/p}}, {{$b}}{{/b}}, {{<p}}{{$b}}, {{/b}}{{/p}})
 *      loses its whitespace and newline; the whitespace before a
 *      standalone partial, parent or block becomes its indentation;
 *   4. dedent standalone blocks: the whitespace all lines of a block share
 *      is removed where the block is defined and the indentation of the
 *      place where it is expanded is added back when it renders, which is
 *      how the specification's "Block reindentation" cases read.
 * The nodes then hold the text (already trimmed and dedented) and names in
 * one arena; a section node records where its subtree ends, so rendering
 * walks index ranges and never parses again.
 *
 * Indentation is applied while rendering: the renderer keeps the
 * indentation of every standalone partial, parent and block it is inside
 * and writes it before the first byte of each line of template text (and
 * before a value that starts a line), never inside interpolated values, as
 * the specification wants.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chorus/mustache.h"

enum kind {
	K_TEXT,
	K_VAR,	    /* {{name}}, escaped */
	K_RAW,	    /* {{{name}}} or {{&name}} */
	K_SECTION,  /* {{#name}} */
	K_INVERTED, /* {{^name}} */
	K_CLOSE,    /* {{/name}} */
	K_COMMENT,  /* {{! ...}} */
	K_PARTIAL,  /* {{>name}} */
	K_DELIM,    /* {{=<% %>=}} */
	K_BLOCK,    /* {{$name}} */
	K_PARENT,   /* {{<name}} */
};

/* How a tag of each kind is written, for error messages. */
static const char sigils[] = {
    [K_TEXT] = 0,	[K_VAR] = 0,	 [K_RAW] = '&',	    [K_SECTION] = '#',
    [K_INVERTED] = '^', [K_CLOSE] = '/', [K_COMMENT] = '!', [K_PARTIAL] = '>',
    [K_DELIM] = '=',	[K_BLOCK] = '$', [K_PARENT] = '<',
};

#define MAX_DELIM 16

/* One token of the source, used only while compiling. */
struct tok {
	unsigned char kind;
	bool removed;	 /* text dropped by a standalone line */
	bool standalone; /* tag alone on its line, or in a standalone pair */
	unsigned line;
	size_t start, end;  /* text: the bytes kept; tag: the whole tag */
	size_t name, nlen;  /* tag name */
	size_t match;	    /* the other end of a section, parent or block */
	size_t ws, wslen;   /* whitespace before a standalone tag */
	size_t ind, indlen; /* a standalone block's own indentation */
	size_t dedent;	    /* what the innermost standalone block strips */
};

/* One node of a compiled template. */
struct node {
	unsigned char kind;
	bool standalone; /* partial, parent, block: indentation applies */
	unsigned line;
	size_t next;	   /* index past this node and its children */
	size_t off, len;   /* text, or the NUL-terminated name, in the arena */
	size_t ioff, ilen; /* indentation, in the arena */
};

struct cache_entry {
	char *name;
	const char *src; /* the loader's text this was compiled from */
	size_t len;
	struct chorus_mustache *t;
};

/*
 * The partials one template has compiled. An entry replaced while a render
 * may still be walking it is retired, and freed when that render ends.
 */
struct cache {
	struct cache_entry *v;
	size_t n, cap;
	struct chorus_mustache **retired;
	size_t nretired, capretired;
};

struct chorus_mustache {
	char *name;
	char *arena;
	struct node *nodes;
	size_t n;
	struct cache *cache;
};

struct compiler {
	const char *name;
	const char *src;
	size_t len;
	struct tok *t;
	size_t n, cap;
	struct chorus_err *err;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int tag_error(const struct compiler *c, unsigned line, size_t start,
		     size_t end, const char *msg)
{
	size_t n = end - start;
	const char *nl = memchr(c->src + start, '\n', n);
	bool cut = false;

	if (nl) {
		n = (size_t)(nl - (c->src + start));
		cut = true;
	}
	if (n > 60) {
		n = 60;
		cut = true;
	}
	return chorus_err_set(c->err, CHORUS_ETEMPLATE,
			      "%s:%u: %s, at tag %.*s%s", c->name, line, msg,
			      (int)n, c->src + start, cut ? "..." : "");
}

static struct tok *push_tok(struct compiler *c)
{
	struct tok *t;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct tok *p = realloc(c->t, cap * sizeof(*p));

		if (!p)
			return NULL;
		c->t = p;
		c->cap = cap;
	}
	t = &c->t[c->n++];
	memset(t, 0, sizeof(*t));
	return t;
}

/* Text from..to, one token per line so that lines are runs of tokens. */
static int add_text(struct compiler *c, size_t from, size_t to, unsigned *line)
{
	while (from < to) {
		const char *nl = memchr(c->src + from, '\n', to - from);
		size_t e = nl ? (size_t)(nl - c->src) + 1 : to;
		struct tok *t = push_tok(c);

		if (!t)
			return chorus_err_set(c->err, CHORUS_ENOMEM,
					      "%s: out of memory", c->name);
		t->kind = K_TEXT;
		t->start = from;
		t->end = e;
		t->line = *line;
		if (nl)
			(*line)++;
		from = e;
	}
	return 0;
}

static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
	const char *end = hay + n;

	while ((size_t)(end - hay) >= m) {
		const char *p =
		    memchr(hay, needle[0], (size_t)(end - hay) - m + 1);

		if (!p)
			return NULL;
		if (memcmp(p, needle, m) == 0)
			return p;
		hay = p + 1;
	}
	return NULL;
}

/* {{=<% %>=}}: the content between the equals signs is two delimiters. */
static int set_delimiters(struct compiler *c, const struct tok *t, char *otag,
			  size_t *olen, char *ctag, size_t *clen)
{
	const char *s = c->src + t->name, *e = s + t->nlen;
	const char *a = s, *b;
	size_t la, lb;

	while (a < e && !is_space(*a))
		a++;
	la = (size_t)(a - s);
	b = a;
	while (b < e && is_space(*b))
		b++;
	lb = (size_t)(e - b);
	if (!la || !lb || la > MAX_DELIM || lb > MAX_DELIM || b == a)
		return tag_error(c, t->line, t->start, t->end,
				 "set-delimiter tag needs two delimiters");
	for (size_t i = 0; i < lb; i++)
		if (is_space(b[i]) || b[i] == '=')
			return tag_error(c, t->line, t->start, t->end,
					 "bad delimiter");
	if (memchr(s, '=', la))
		return tag_error(c, t->line, t->start, t->end, "bad delimiter");
	memcpy(otag, s, la);
	*olen = la;
	memcpy(ctag, b, lb);
	*clen = lb;
	return 0;
}

static int tokenize(struct compiler *c)
{
	char otag[MAX_DELIM] = "{{", ctag[MAX_DELIM] = "}}";
	char closer[MAX_DELIM + 1];
	size_t olen = 2, clen = 2, p = 0;
	unsigned line = 1;
	int rc;

	while (p < c->len) {
		const char *o = find(c->src + p, c->len - p, otag, olen);
		const char *e;
		size_t ts, q, cl, ne, ns;
		unsigned char kind = K_VAR;
		struct tok *t;

		if (!o)
			return add_text(c, p, c->len, &line);
		ts = (size_t)(o - c->src);
		rc = add_text(c, p, ts, &line);
		if (rc)
			return rc;
		q = ts + olen;
		memcpy(closer, ctag, clen);
		cl = clen;
		if (q < c->len) {
			switch (c->src[q]) {
			case '#':
				kind = K_SECTION;
				break;
			case '^':
				kind = K_INVERTED;
				break;
			case '/':
				kind = K_CLOSE;
				break;
			case '!':
				kind = K_COMMENT;
				break;
			case '>':
				kind = K_PARTIAL;
				break;
			case '$':
				kind = K_BLOCK;
				break;
			case '<':
				kind = K_PARENT;
				break;
			case '&':
				kind = K_RAW;
				break;
			case '{':
			case '=':
				kind = c->src[q] == '{' ? K_RAW : K_DELIM;
				closer[0] = c->src[q] == '{' ? '}' : '=';
				memcpy(closer + 1, ctag, clen);
				cl = clen + 1;
				break;
			default:
				break;
			}
			if (kind != K_VAR)
				q++;
		}
		e = find(c->src + q, c->len - q, closer, cl);
		if (!e)
			return tag_error(c, line, ts, c->len, "unclosed tag");
		ne = (size_t)(e - c->src);
		t = push_tok(c);
		if (!t)
			return chorus_err_set(c->err, CHORUS_ENOMEM,
					      "%s: out of memory", c->name);
		t->kind = kind;
		t->start = ts;
		t->end = ne + cl;
		t->line = line;
		ns = q;
		while (ns < ne && is_space(c->src[ns]))
			ns++;
		while (ne > ns && is_space(c->src[ne - 1]))
			ne--;
		t->name = ns;
		t->nlen = ne - ns;
		for (size_t i = ts; i < t->end; i++)
			if (c->src[i] == '\n')
				line++;
		p = t->end;
		if (kind == K_COMMENT)
			continue;
		if (kind == K_DELIM) {
			rc = set_delimiters(c, t, otag, &olen, ctag, &clen);
			if (rc)
				return rc;
			continue;
		}
		if (!t->nlen)
			return tag_error(c, t->line, ts, t->end, "empty tag");
		for (size_t i = ns; i < ne; i++)
			if (is_space(c->src[i]))
				return tag_error(c, t->line, ts, t->end,
						 "space inside a tag name");
	}
	return 0;
}

static bool opens(unsigned char kind)
{
	return kind == K_SECTION || kind == K_INVERTED || kind == K_BLOCK ||
	       kind == K_PARENT;
}

/* Pair every section, parent and block with its closing tag. */
static int match_sections(struct compiler *c)
{
	size_t stack[CHORUS_MUSTACHE_MAX_DEPTH];
	size_t depth = 0;
	char msg[256];

	for (size_t i = 0; i < c->n; i++) {
		struct tok *t = &c->t[i], *o;

		if (opens(t->kind)) {
			if (depth == CHORUS_MUSTACHE_MAX_DEPTH)
				return tag_error(c, t->line, t->start, t->end,
						 "sections nested too deep");
			stack[depth++] = i;
			continue;
		}
		if (t->kind != K_CLOSE)
			continue;
		if (!depth)
			return tag_error(c, t->line, t->start, t->end,
					 "closing tag without an opening tag");
		o = &c->t[stack[--depth]];
		if (o->nlen != t->nlen ||
		    memcmp(c->src + o->name, c->src + t->name, t->nlen) != 0) {
			snprintf(msg, sizeof(msg),
				 "closing tag does not match {{%c%.*s}} opened "
				 "on line %u",
				 sigils[o->kind],
				 (int)(o->nlen > 60 ? 60 : o->nlen),
				 c->src + o->name, o->line);
			return tag_error(c, t->line, t->start, t->end, msg);
		}
		o->match = i;
		t->match = stack[depth];
	}
	if (depth) {
		struct tok *t = &c->t[stack[depth - 1]];

		return tag_error(c, t->line, t->start, t->end,
				 "unclosed section");
	}
	return 0;
}

static bool ws_text(const struct compiler *c, const struct tok *t)
{
	for (size_t i = t->start; i < t->end; i++)
		if (!is_space(c->src[i]))
			return false;
	return true;
}

static bool can_stand_alone(unsigned char kind)
{
	return kind != K_TEXT && kind != K_VAR && kind != K_RAW;
}

/* Which two adjacent tags may share a standalone line (inheritance). */
static bool standalone_pair(const struct compiler *c, size_t f, size_t g)
{
	const struct tok *a = &c->t[f], *b = &c->t[g];

	if (g != f + 1)
		return false;
	if (a->kind == K_PARENT && b->kind == K_CLOSE && b->match == f)
		return true;
	if (a->kind == K_BLOCK && b->kind == K_CLOSE && b->match == f)
		return true;
	if (a->kind == K_PARENT && b->kind == K_BLOCK)
		return true;
	return a->kind == K_CLOSE && c->t[a->match].kind == K_BLOCK &&
	       b->kind == K_CLOSE && c->t[b->match].kind == K_PARENT;
}

static void standalone_lines(struct compiler *c)
{
	size_t i = 0;

	while (i < c->n) {
		size_t a = i, b = i, ntags = 0, f = 0, g = 0;
		bool ok = true, keep_nl = false;

		while (b + 1 < c->n && !(c->t[b].kind == K_TEXT &&
					 c->src[c->t[b].end - 1] == '\n'))
			b++;
		i = b + 1;
		for (size_t k = a; k <= b && ok; k++) {
			if (c->t[k].kind == K_TEXT) {
				ok = ws_text(c, &c->t[k]);
				continue;
			}
			if (ntags == 0)
				f = k;
			else
				g = k;
			ok = ++ntags <= 2 && can_stand_alone(c->t[k].kind);
		}
		if (!ok || ntags == 0)
			continue;
		if (ntags == 2) {
			if (!standalone_pair(c, f, g))
				continue;
			/*
			 * An empty block keeps the newline after it, so that
			 * what replaces it ends its line.
			 */
			keep_nl = c->t[f].kind == K_BLOCK;
		} else {
			g = f;
		}
		for (size_t k = a; k <= b; k++) {
			struct tok *t = &c->t[k];

			if (t->kind != K_TEXT)
				continue;
			if (k < f) {
				c->t[f].ws = t->start;
				c->t[f].wslen = t->end - t->start;
				t->removed = true;
			} else if (keep_nl && c->src[t->end - 1] == '\n') {
				t->start = t->end - 1;
				if (t->start > 0 &&
				    c->src[t->start - 1] == '\r')
					t->start--;
			} else {
				t->removed = true;
			}
		}
		if (f == a)
			c->t[f].ws = c->t[f].start;
		c->t[f].standalone = true;
		c->t[g].standalone = true;
		c->t[g].ws = c->t[f].ws;
		c->t[g].wslen = c->t[f].wslen;
	}
}

/* Start of the line holding pos. */
static size_t line_start(const struct compiler *c, size_t pos, size_t floor)
{
	while (pos > floor && c->src[pos - 1] != '\n')
		pos--;
	return pos;
}

/*
 * A standalone block's common indentation: measured on the raw source
 * between its tags, blank lines aside; it is stripped from the block's text
 * and remembered as the block's own indentation.
 */
static void measure_block(struct compiler *c, size_t i)
{
	struct tok *o = &c->t[i], *cl = &c->t[o->match];
	size_t rs, re, d = 0, pre = 0;
	bool have = false;

	if (cl->start == o->end) {
		rs = re = o->end;
	} else {
		const char *nl = memchr(c->src + o->end, '\n', c->len - o->end);

		rs = nl ? (size_t)(nl - c->src) + 1 : c->len;
		re = cl->standalone ? line_start(c, cl->start, 0) : cl->start;
		if (re < rs)
			re = rs;
	}
	for (size_t ls = rs; ls < re;) {
		const char *nl = memchr(c->src + ls, '\n', re - ls);
		size_t le = nl ? (size_t)(nl - c->src) : re, w = 0;

		while (ls + w < le && is_blank(c->src[ls + w]))
			w++;
		if (ls + w < le &&
		    !(ls + w + 1 == le && c->src[ls + w] == '\r')) {
			if (!have) {
				pre = ls;
				d = w;
				have = true;
			} else {
				size_t k = 0;

				while (k < d && k < w &&
				       c->src[ls + k] == c->src[pre + k])
					k++;
				d = k;
			}
		}
		ls = le + 1;
	}
	if (d) {
		o->ind = pre;
		o->indlen = d;
	} else {
		o->ind = o->ws;
		o->indlen = o->wslen;
	}
	for (size_t k = i + 1; k < o->match; k++)
		c->t[k].dedent = d;
}

static void dedent_blocks(struct compiler *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->t[i].kind == K_BLOCK && c->t[i].standalone)
			measure_block(c, i);
	for (size_t i = 0; i < c->n; i++) {
		struct tok *t = &c->t[i];
		size_t w = 0;

		if (t->kind != K_TEXT || t->removed || !t->dedent)
			continue;
		if (t->start > 0 && c->src[t->start - 1] != '\n')
			continue;
		while (t->start + w < t->end && is_blank(c->src[t->start + w]))
			w++;
		/* A blank line loses all its blanks, as textwrap.dedent does.
		 */
		if (w > t->dedent && !ws_text(c, t))
			w = t->dedent;
		t->start += w;
	}
}

struct builder {
	struct compiler *c;
	struct chorus_buf arena;
	struct node *nodes;
	size_t n, cap;
};

static struct node *push_node(struct builder *b)
{
	struct node *nd;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct node *p = realloc(b->nodes, cap * sizeof(*p));

		if (!p)
			return NULL;
		b->nodes = p;
		b->cap = cap;
	}
	nd = &b->nodes[b->n];
	memset(nd, 0, sizeof(*nd));
	nd->next = ++b->n;
	return nd;
}

/* s (n bytes) minus its first `skip` bytes, when it is that long. */
static int add_indent(struct builder *b, struct node *nd, size_t s, size_t n,
		      size_t skip)
{
	if (skip > n)
		skip = n;
	nd->ioff = b->arena.len;
	nd->ilen = n - skip;
	return chorus_buf_add(&b->arena, b->c->src + s + skip, n - skip);
}

static int build(struct builder *b)
{
	struct compiler *c = b->c;
	size_t stack[CHORUS_MUSTACHE_MAX_DEPTH];
	size_t depth = 0;
	bool merge = false;
	int rc = 0;

	for (size_t i = 0; i < c->n && !rc; i++) {
		struct tok *t = &c->t[i];
		struct node *nd;

		if (t->kind == K_COMMENT || t->kind == K_DELIM)
			continue;
		if (t->kind == K_TEXT) {
			if (t->removed || t->start == t->end)
				continue;
			if (merge) {
				b->nodes[b->n - 1].len += t->end - t->start;
			} else {
				nd = push_node(b);
				if (!nd)
					return CHORUS_ENOMEM;
				nd->kind = K_TEXT;
				nd->line = t->line;
				nd->off = b->arena.len;
				nd->len = t->end - t->start;
			}
			rc = chorus_buf_add(&b->arena, c->src + t->start,
					    t->end - t->start);
			merge = true;
			continue;
		}
		merge = false;
		if (t->kind == K_CLOSE) {
			depth--;
			b->nodes[stack[depth]].next = b->n;
			continue;
		}
		nd = push_node(b);
		if (!nd)
			return CHORUS_ENOMEM;
		nd->kind = t->kind;
		nd->line = t->line;
		nd->standalone = t->standalone;
		nd->off = b->arena.len;
		nd->len = t->nlen;
		rc = chorus_buf_add(&b->arena, c->src + t->name, t->nlen);
		if (!rc)
			rc = chorus_buf_addc(&b->arena, '\0');
		if (!rc && t->standalone && t->kind == K_BLOCK)
			rc = add_indent(b, nd, t->ind, t->indlen, t->dedent);
		else if (!rc && t->standalone &&
			 (t->kind == K_PARTIAL || t->kind == K_PARENT))
			rc = add_indent(b, nd, t->ws, t->wslen, t->dedent);
		if (opens(t->kind))
			stack[depth++] = b->n - 1;
	}
	return rc;
}

static struct cache *cache_new(void)
{
	return calloc(1, sizeof(struct cache));
}

static void cache_free(struct cache *cache);

void chorus_mustache_free(struct chorus_mustache *t)
{
	if (!t)
		return;
	cache_free(t->cache);
	free(t->name);
	free(t->arena);
	free(t->nodes);
	free(t);
}

static void cache_free_retired(struct cache *cache)
{
	for (size_t i = 0; i < cache->nretired; i++)
		chorus_mustache_free(cache->retired[i]);
	cache->nretired = 0;
}

static void cache_free(struct cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->n; i++) {
		free(cache->v[i].name);
		chorus_mustache_free(cache->v[i].t);
	}
	cache_free_retired(cache);
	free(cache->v);
	free(cache->retired);
	free(cache);
}

int chorus_mustache_compile(struct chorus_mustache **out, const char *name,
			    const char *src, size_t len, struct chorus_err *err)
{
	struct compiler c = {0};
	struct builder b = {0};
	struct chorus_mustache *t = NULL;
	int rc;

	*out = NULL;
	if (!name)
		name = "template";
	if (!src && len)
		return chorus_err_set(err, CHORUS_EINVAL, "%s: no source",
				      name);
	c.name = name;
	c.src = src ? src : "";
	c.len = len;
	c.err = err;
	b.c = &c;
	chorus_buf_init(&b.arena, 0);
	rc = tokenize(&c);
	if (!rc)
		rc = match_sections(&c);
	if (rc)
		goto out;
	standalone_lines(&c);
	dedent_blocks(&c);
	rc = build(&b);
	if (rc) {
		chorus_err_set(err, rc, "%s: %s", name, chorus_strerror(rc));
		goto out;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->name = chorus_strdup(name)) ||
	    !(t->cache = cache_new())) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "%s: out of memory",
				    name);
		goto out;
	}
	t->arena = chorus_buf_detach(&b.arena, NULL);
	if (!t->arena) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "%s: out of memory",
				    name);
		goto out;
	}
	t->nodes = b.nodes;
	t->n = b.n;
	b.nodes = NULL;
	*out = t;
	t = NULL;
out:
	chorus_mustache_free(t);
	free(c.t);
	free(b.nodes);
	chorus_buf_release(&b.arena);
	return rc;
}

/* Rendering. */

struct frame {
	const struct chorus_mustache *t;
	size_t node; /* the parent tag whose blocks override */
};

struct render {
	const struct chorus_mustache_loader *loader;
	struct cache *cache;
	struct chorus_buf *out;
	struct chorus_err *err;
	json_t **ctx;
	size_t nctx, capctx;
	struct frame *frames;
	size_t nframes, capframes;
	struct chorus_buf indent;
	bool bol; /* the last byte written ended a line of template text */
	int depth;
};

static int render_nodes(struct render *r, const struct chorus_mustache *t,
			size_t from, size_t to);

static const char *node_name(const struct chorus_mustache *t,
			     const struct node *nd)
{
	return t->arena + nd->off;
}

static int render_error(struct render *r, const struct chorus_mustache *t,
			const struct node *nd, int code, const char *msg)
{
	char sigil = sigils[nd->kind];

	return chorus_err_set(
	    r->err, code, "%s:%u: %s, at tag {{%s%s}}", t->name, nd->line, msg,
	    sigil ? (char[]){sigil, '\0'} : "", node_name(t, nd));
}

static int out_error(struct render *r, const struct chorus_mustache *t,
		     const struct node *nd, int rc)
{
	return render_error(r, t, nd, rc, chorus_strerror(rc));
}

static int emit_text(struct render *r, const char *s, size_t n)
{
	int rc;

	if (!n)
		return 0;
	if (!r->indent.len) {
		r->bol = s[n - 1] == '\n';
		return chorus_buf_add(r->out, s, n);
	}
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t seg = nl ? (size_t)(nl - s) + 1 : n;

		/* Empty lines get no indentation: no trailing blanks. */
		if (r->bol && s[0] != '\n' &&
		    !(s[0] == '\r' && seg == 2 && nl)) {
			rc = chorus_buf_add(r->out, r->indent.data,
					    r->indent.len);
			if (rc)
				return rc;
		}
		rc = chorus_buf_add(r->out, s, seg);
		if (rc)
			return rc;
		r->bol = nl != NULL;
		s += seg;
		n -= seg;
	}
	return 0;
}

/* The shortest decimal form of d that reads back as d. */
static void format_real(double d, char *buf, size_t cap)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

static int emit_value(struct render *r, json_t *v, bool escape)
{
	char num[64];
	const char *s = NULL;
	size_t n = 0;
	int rc;

	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		n = json_string_length(v);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		s = num;
		n = strlen(num);
		break;
	case JSON_REAL:
		format_real(json_real_value(v), num, sizeof(num));
		s = num;
		n = strlen(num);
		break;
	case JSON_TRUE:
		s = "true";
		n = 4;
		break;
	case JSON_FALSE:
		s = "false";
		n = 5;
		break;
	default:
		break;
	}
	if (!n)
		return 0;
	if (r->bol && r->indent.len) {
		rc = chorus_buf_add(r->out, r->indent.data, r->indent.len);
		if (rc)
			return rc;
	}
	r->bol = false;
	return escape
		   ? chorus_buf_add_escaped(
			 r->out, s, n, CHORUS_ESCAPE_QUOTE | CHORUS_ESCAPE_APOS)
		   : chorus_buf_add(r->out, s, n);
}

/*
 * Resolve a (dotted) name: the first part against the context stack from
 * the top, the rest inside what the first part found only.
 */
static json_t *lookup(const struct render *r, const char *name, size_t len)
{
	const char *dot = memchr(name, '.', len);
	size_t plen = dot ? (size_t)(dot - name) : len;
	json_t *v = NULL;

	if (len == 1 && name[0] == '.')
		return r->nctx ? r->ctx[r->nctx - 1] : NULL;
	for (size_t k = r->nctx; k-- > 0 && !v;)
		if (json_is_object(r->ctx[k]))
			v = json_object_getn(r->ctx[k], name, plen);
	while (v && dot) {
		name = dot + 1;
		len -= plen + 1;
		dot = memchr(name, '.', len);
		plen = dot ? (size_t)(dot - name) : len;
		v = json_is_object(v) ? json_object_getn(v, name, plen) : NULL;
	}
	return v;
}

static bool truthy(const json_t *v)
{
	if (!v || json_is_false(v) || json_is_null(v))
		return false;
	return !json_is_array(v) || json_array_size(v) > 0;
}

static int push_ctx(struct render *r, json_t *v)
{
	if (r->nctx == r->capctx) {
		size_t cap = r->capctx ? r->capctx * 2 : 16;
		json_t **p = realloc(r->ctx, cap * sizeof(*p));

		if (!p)
			return CHORUS_ENOMEM;
		r->ctx = p;
		r->capctx = cap;
	}
	r->ctx[r->nctx++] = v;
	return 0;
}

/* Render from..to of t one level deeper, failing past the depth cap. */
static int descend(struct render *r, const struct chorus_mustache *t,
		   const struct node *at, const struct chorus_mustache *inner,
		   size_t from, size_t to)
{
	int rc;

	if (r->depth >= CHORUS_MUSTACHE_MAX_DEPTH)
		return render_error(r, t, at, CHORUS_ETEMPLATE,
				    "templates nested too deep (a partial "
				    "that includes itself?)");
	r->depth++;
	rc = render_nodes(r, inner, from, to);
	r->depth--;
	return rc;
}

static int render_section(struct render *r, const struct chorus_mustache *t,
			  size_t i)
{
	const struct node *nd = &t->nodes[i];
	json_t *v = lookup(r, node_name(t, nd), nd->len);
	int rc = 0;

	if (nd->kind == K_INVERTED)
		return truthy(v) ? 0 : descend(r, t, nd, t, i + 1, nd->next);
	if (!truthy(v))
		return 0;
	if (json_is_array(v)) {
		for (size_t k = 0; k < json_array_size(v) && !rc; k++) {
			rc = push_ctx(r, json_array_get(v, k));
			if (rc)
				return out_error(r, t, nd, rc);
			rc = descend(r, t, nd, t, i + 1, nd->next);
			r->nctx--;
		}
		return rc;
	}
	rc = push_ctx(r, v);
	if (rc)
		return out_error(r, t, nd, rc);
	rc = descend(r, t, nd, t, i + 1, nd->next);
	r->nctx--;
	return rc;
}

/* The compiled partial called name, compiling it on first use. */
static int get_partial(struct render *r, const struct chorus_mustache *t,
		       const struct node *nd,
		       const struct chorus_mustache **out)
{
	const char *name = node_name(t, nd), *src;
	struct cache *cache = r->cache;
	struct cache_entry *e = NULL;
	struct chorus_mustache *p;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!r->loader || !r->loader->load)
		return 0;
	src = r->loader->load(r->loader->ctx, name, &len);
	if (!src)
		return 0;
	for (size_t k = 0; k < cache->n && !e; k++)
		if (strcmp(cache->v[k].name, name) == 0)
			e = &cache->v[k];
	if (e && e->src == src && e->len == len) {
		*out = e->t;
		return 0;
	}
	rc = chorus_mustache_compile(&p, name, src, len, r->err);
	if (rc)
		return rc;
	if (e) {
		if (cache->nretired == cache->capretired) {
			size_t cap =
			    cache->capretired ? cache->capretired * 2 : 4;
			struct chorus_mustache **q =
			    realloc(cache->retired, cap * sizeof(*q));

			if (!q)
				goto nomem;
			cache->retired = q;
			cache->capretired = cap;
		}
		cache->retired[cache->nretired++] = e->t;
	} else {
		if (cache->n == cache->cap) {
			size_t cap = cache->cap ? cache->cap * 2 : 8;
			struct cache_entry *q =
			    realloc(cache->v, cap * sizeof(*q));

			if (!q)
				goto nomem;
			cache->v = q;
			cache->cap = cap;
		}
		e = &cache->v[cache->n];
		e->name = chorus_strdup(name);
		if (!e->name)
			goto nomem;
		cache->n++;
	}
	e->t = p;
	e->src = src;
	e->len = len;
	*out = p;
	return 0;
nomem:
	chorus_mustache_free(p);
	return out_error(r, t, nd, CHORUS_ENOMEM);
}

static int push_indent(struct render *r, const struct chorus_mustache *t,
		       const struct node *nd, size_t *saved)
{
	*saved = r->indent.len;
	if (!nd->standalone)
		return 0;
	return chorus_buf_add(&r->indent, t->arena + nd->ioff, nd->ilen);
}

static void pop_indent(struct render *r, size_t saved)
{
	r->indent.len = saved;
}

static int render_partial(struct render *r, const struct chorus_mustache *t,
			  size_t i)
{
	const struct node *nd = &t->nodes[i];
	const struct chorus_mustache *p;
	size_t saved;
	int rc = get_partial(r, t, nd, &p);

	if (rc || !p)
		return rc;
	rc = push_indent(r, t, nd, &saved);
	if (rc)
		return out_error(r, t, nd, rc);
	if (nd->kind == K_PARENT) {
		if (r->nframes == r->capframes) {
			size_t cap = r->capframes ? r->capframes * 2 : 8;
			struct frame *f = realloc(r->frames, cap * sizeof(*f));

			if (!f)
				return out_error(r, t, nd, CHORUS_ENOMEM);
			r->frames = f;
			r->capframes = cap;
		}
		r->frames[r->nframes].t = t;
		r->frames[r->nframes].node = i;
		r->nframes++;
	}
	rc = descend(r, t, nd, p, 0, p->n);
	if (nd->kind == K_PARENT)
		r->nframes--;
	pop_indent(r, saved);
	return rc;
}

/*
 * A block renders what the outermost parent tag being expanded passes for
 * it, else its own content.
 */
static int render_block(struct render *r, const struct chorus_mustache *t,
			size_t i)
{
	const struct node *nd = &t->nodes[i];
	const struct chorus_mustache *bt = t;
	size_t from = i + 1, to = nd->next, saved;
	bool found = false;
	int rc;

	for (size_t f = 0; f < r->nframes && !found; f++) {
		const struct chorus_mustache *ft = r->frames[f].t;
		const struct node *pn = &ft->nodes[r->frames[f].node];

		for (size_t j = r->frames[f].node + 1; j < pn->next;
		     j = ft->nodes[j].next) {
			const struct node *b = &ft->nodes[j];

			if (b->kind == K_BLOCK && b->len == nd->len &&
			    memcmp(node_name(ft, b), node_name(t, nd),
				   nd->len) == 0) {
				bt = ft;
				from = j + 1;
				to = b->next;
				found = true;
				break;
			}
		}
	}
	rc = push_indent(r, t, nd, &saved);
	if (rc)
		return out_error(r, t, nd, rc);
	rc = descend(r, t, nd, bt, from, to);
	pop_indent(r, saved);
	return rc;
}

static int render_nodes(struct render *r, const struct chorus_mustache *t,
			size_t from, size_t to)
{
	int rc = 0;

	for (size_t i = from; i < to && !rc; i = t->nodes[i].next) {
		const struct node *nd = &t->nodes[i];

		switch (nd->kind) {
		case K_TEXT:
			rc = emit_text(r, t->arena + nd->off, nd->len);
			if (rc)
				rc = out_error(r, t, nd, rc);
			break;
		case K_VAR:
		case K_RAW:
			rc = emit_value(r, lookup(r, node_name(t, nd), nd->len),
					nd->kind == K_VAR);
			if (rc)
				rc = out_error(r, t, nd, rc);
			break;
		case K_SECTION:
		case K_INVERTED:
			rc = render_section(r, t, i);
			break;
		case K_PARTIAL:
		case K_PARENT:
			rc = render_partial(r, t, i);
			break;
		case K_BLOCK:
			rc = render_block(r, t, i);
			break;
		default:
			break;
		}
	}
	return rc;
}

int chorus_mustache_render(const struct chorus_mustache *t, json_t *data,
			   const struct chorus_mustache_loader *loader,
			   struct chorus_buf *out, struct chorus_err *err)
{
	struct render r = {0};
	int rc = 0;

	if (!t || !out)
		return chorus_err_set(err, CHORUS_EINVAL,
				      "mustache: no template or no output");
	r.loader = loader;
	r.cache = t->cache;
	r.out = out;
	r.err = err;
	r.bol = true;
	chorus_buf_init(&r.indent, 0);
	if (data)
		rc = push_ctx(&r, data);
	if (rc)
		rc = chorus_err_set(err, rc, "%s: out of memory", t->name);
	else
		rc = render_nodes(&r, t, 0, t->n);
	cache_free_retired(t->cache);
	free(r.ctx);
	free(r.frames);
	chorus_buf_release(&r.indent);
	return rc;
}
