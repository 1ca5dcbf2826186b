/*
 * The feed module: each format read into the right fields, broken input
 * repaired and the repairs listed, hostile input (billion laughs, external
 * entities and DTDs, size caps) refused without a file read or a
 * connection, streaming with a callback, conversion to articles and the
 * `chorus parse` JSON. Data files are in tests/data/feed/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "chorus/date.h"
#include "chorus/feed.h"
#include "chorus/file.h"

static struct chorus_feed *parse_file(const char *name,
				      const struct chorus_feed_options *opt)
{
	char path[1024];
	struct chorus_buf data;
	struct chorus_feed *feed = NULL;
	struct chorus_err err;

	snprintf(path, sizeof(path), "%s/feed/%s", CHORUS_TEST_DATA, name);
	chorus_buf_init(&data, 0);
	assert_int_equal(chorus_file_read(path, 1 << 20, &data, &err), 0);
	if (chorus_feed_parse(data.data, data.len, opt, &feed, &err))
		fail_msg("%s: %s", name, err.msg);
	chorus_buf_release(&data);
	return feed;
}

static void assert_date(int has, int64_t t, const char *want)
{
	char got[CHORUS_DATE_RFC3339_LEN];

	assert_true(has);
	chorus_date_format(t, got);
	assert_string_equal(got, want);
}

static int has_error(const struct chorus_feed *f, const char *part)
{
	size_t i;

	for (i = 0; i < f->nerrors; i++)
		if (strstr(f->errors[i].message, part))
			return 1;
	return 0;
}

static void test_feed_rss2(void **state)
{
	struct chorus_feed *f = parse_file("rss2.xml", NULL);
	struct chorus_feed_entry *e;

	(void)state;
	assert_int_equal(f->format, CHORUS_FEED_RSS20);
	assert_string_equal(chorus_feed_format_name(f->format), "rss2.0");
	assert_string_equal(f->title, "Harbour Gazette");
	assert_string_equal(f->link, "https://gazette.example/");
	assert_string_equal(f->language, "en-GB");
	assert_string_equal(f->author, "desk@gazette.example (News Desk)");
	assert_date(f->has_updated, f->updated, "2025-11-18T09:30:00Z");
	assert_int_equal(f->nerrors, 0);
	assert_int_equal(f->nentries, 2);
	e = &f->entries[0];
	assert_string_equal(e->id, "gazette-1234");
	assert_string_equal(e->title, "Ferry & tug collide off the north pier");
	assert_string_equal(e->link, "https://gazette.example/2025/11/ferry");
	assert_string_equal(e->author, "Ana Ruiz");
	assert_date(e->has_published, e->published, "2025-11-18T07:15:00Z");
	assert_false(e->has_updated);
	assert_string_equal(
	    e->summary, "<p>A ferry and a tug <b>collided</b> at dawn.</p>");
	assert_string_equal(e->content, "<p>A ferry and a tug collided at "
					"dawn.</p><p>No one was hurt.</p>");
	assert_int_equal(e->ncategories, 2);
	assert_string_equal(e->categories[0], "Local");
	assert_string_equal(e->categories[1], "Transport");
	assert_int_equal(e->nenclosures, 1);
	assert_string_equal(e->enclosures[0].url,
			    "https://gazette.example/ferry.jpg");
	assert_string_equal(e->enclosures[0].type, "image/jpeg");
	assert_int_equal(e->enclosures[0].length, 24576);
	/* A permalink guid stands for the missing link. */
	e = &f->entries[1];
	assert_string_equal(e->id, "https://gazette.example/2025/11/reopens");
	assert_string_equal(e->link, "https://gazette.example/2025/11/reopens");
	assert_date(e->has_updated, e->updated, "2025-11-18T12:00:00Z");
	assert_null(e->content);
	chorus_feed_free(f);
}

static void test_feed_atom(void **state)
{
	struct chorus_feed *f = parse_file("atom.xml", NULL);
	struct chorus_feed_entry *e;

	(void)state;
	assert_int_equal(f->format, CHORUS_FEED_ATOM10);
	assert_string_equal(f->title, "Le Journal"); /* HTML title as text */
	assert_string_equal(f->id,
			    "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6");
	assert_string_equal(f->link, "https://journal.example/");
	assert_string_equal(f->language, "fr");
	assert_string_equal(f->author, "R\xc3\xa9"
				       "daction (redac@journal.example)");
	assert_date(f->has_updated, f->updated, "2025-11-18T09:00:00Z");
	assert_int_equal(f->nentries, 2);
	e = &f->entries[0];
	assert_string_equal(e->link,
			    "https://journal.example/articles/collision");
	assert_string_equal(e->language, "fr");
	assert_string_equal(e->author, "Luc");
	assert_date(e->has_published, e->published, "2025-11-18T07:00:00Z");
	assert_date(e->has_updated, e->updated, "2025-11-18T08:00:00Z");
	assert_string_equal(e->summary, "Un ferry et un remorqueur.");
	/* xhtml: the wrapper div is dropped, the markup kept. */
	assert_non_null(strstr(e->content, "<p>Un <a href="));
	assert_null(strstr(e->content, "<div"));
	assert_int_equal(e->nenclosures, 1);
	assert_string_equal(e->enclosures[0].url,
			    "https://journal.example/media/collision.mp3");
	assert_int_equal(e->enclosures[0].length, 1234);
	assert_int_equal(e->ncategories, 1);
	assert_string_equal(e->categories[0], "port");
	e = &f->entries[1];
	assert_string_equal(e->language, "en");
	/* type="text": the brackets are text, not markup */
	assert_string_equal(e->title, "Port <reopens>");
	assert_string_equal(e->content,
			    "<p>Traffic &amp; ferries resumed.</p>");
	chorus_feed_free(f);
}

static void test_feed_rss1(void **state)
{
	struct chorus_feed *f = parse_file("rss1.xml", NULL);
	struct chorus_feed_entry *e;

	(void)state;
	assert_int_equal(f->format, CHORUS_FEED_RSS10);
	assert_string_equal(f->title, "RDF Times");
	assert_string_equal(f->language, "de");
	assert_int_equal(f->nentries, 1);
	e = &f->entries[0];
	assert_string_equal(e->id, "https://rdf.example/a");
	assert_string_equal(e->title, "Erste Meldung");
	assert_string_equal(e->summary, "Kurz.");
	assert_date(e->has_updated, e->updated, "2025-11-17T17:00:00Z");
	assert_string_equal(e->categories[0], "Hafen");
	chorus_feed_free(f);
}

static void test_feed_json(void **state)
{
	struct chorus_feed *f = parse_file("feed.json", NULL);
	struct chorus_feed_entry *e;

	(void)state;
	assert_int_equal(f->format, CHORUS_FEED_JSON11);
	assert_string_equal(f->title, "JSON Wire");
	assert_string_equal(f->link, "https://wire.example/");
	assert_string_equal(f->author, "Wire Staff");
	assert_int_equal(f->nentries, 2);
	e = &f->entries[0];
	assert_string_equal(e->id, "42");
	assert_string_equal(e->content, "<p>They <i>met</i>.</p>");
	assert_string_equal(e->summary, "A &lt;summary&gt;"); /* plain text */
	assert_date(e->has_published, e->published, "2025-11-18T07:00:00Z");
	assert_false(e->has_updated);
	assert_int_equal(e->ncategories, 2);
	assert_int_equal(e->enclosures[0].length, 99);
	assert_string_equal(f->entries[1].content,
			    "Plain &lt;text&gt; &amp; more");
	assert_true(has_error(f, "cannot read \"not a date\""));
	chorus_feed_free(f);
}

static void test_feed_broken_repaired(void **state)
{
	struct chorus_feed *f = parse_file("broken.xml", NULL);

	(void)state;
	/* bare '&' kept, &nbsp; and &rsquo; read as HTML entities */
	assert_string_equal(f->title,
			    "AT&T & friends\xc2\xa0\xe2\x80\x99s news");
	assert_int_equal(f->nentries, 2);
	assert_string_equal(f->entries[0].title, "Tab\tand bell and A");
	assert_string_equal(f->entries[0].link,
			    "http://broken.example/get?a=1&b=2");
	assert_string_equal(f->entries[0].summary, "caf\xc3\xa9 bytes");
	assert_false(f->entries[0].has_published);
	/* the truncated last item is kept */
	assert_string_equal(f->entries[1].title, "Cut off here");
	assert_true(has_error(f, "bare '&'"));
	assert_true(has_error(f, "control characters"));
	assert_true(has_error(f, "not UTF-8"));
	assert_true(has_error(f, "cannot read \"sometime last week\""));
	assert_true(has_error(f, "ends inside an entry"));
	chorus_feed_free(f);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_feed_billion_laughs(void **state)
{
	double t0 = now();
	struct chorus_feed *f = parse_file("billion_laughs.xml", NULL);

	(void)state;
	assert_true(now() - t0 < 1.0);
	assert_string_equal(f->title, "&lol9;"); /* nothing expanded */
	assert_true(has_error(f, "&lol9; not expanded"));
	assert_int_equal(f->nentries, 1);
	chorus_feed_free(f);
}

/* A loopback listener that must never see a connection. */
static int listener(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_feed_xxe_refused(void **state)
{
	char secret[] = "/tmp/chorus_xxe_XXXXXX", doc[2048];
	struct chorus_feed *f = NULL;
	struct chorus_err err;
	int port, lfd, sfd, n;
	double t0;

	(void)state;
	sfd = mkstemp(secret);
	assert_true(sfd >= 0);
	assert_int_equal(write(sfd, "TOPSECRET", 9), 9);
	close(sfd);
	lfd = listener(&port);
	n = snprintf(doc, sizeof(doc),
		     "<?xml version=\"1.0\"?>\n"
		     "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:%d/dtd\" [\n"
		     "<!ENTITY file SYSTEM \"file://%s\">\n"
		     "<!ENTITY net SYSTEM \"http://127.0.0.1:%d/net\">\n"
		     "<!ENTITY %% pe SYSTEM \"http://127.0.0.1:%d/pe\">\n"
		     "%%pe;\n]>\n"
		     "<rss version=\"2.0\"><channel><title>t&file;</title>\n"
		     "<item><title>&net;</title>"
		     "<link>https://x.example/</link></item>\n"
		     "</channel></rss>\n",
		     port, secret, port, port);
	t0 = now();
	assert_int_equal(chorus_feed_parse(doc, (size_t)n, NULL, &f, &err), 0);
	assert_true(now() - t0 < 1.0);
	assert_null(strstr(f->title, "TOPSECRET"));
	assert_string_equal(f->title, "t&file;");
	assert_string_equal(f->entries[0].title, "&net;");
	assert_true(has_error(f, "external entity &file; not loaded"));
	/* Nothing connected to the listener. */
	assert_int_equal(accept(lfd, NULL, NULL), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(lfd);
	unlink(secret);
	chorus_feed_free(f);
}

static void test_feed_size_cap(void **state)
{
	struct chorus_feed_options opt;
	struct chorus_feed *f = NULL;
	struct chorus_err err;
	char doc[4096];

	(void)state;
	memset(doc, ' ', sizeof(doc));
	memcpy(doc, "<rss><channel>", 14);
	memset(&opt, 0, sizeof(opt));
	opt.max_size = 1000;
	assert_int_equal(chorus_feed_parse(doc, sizeof(doc), &opt, &f, &err),
			 CHORUS_ETOOBIG);
	assert_null(f);
	assert_non_null(strstr(err.msg, "size cap of 1000 bytes"));
}

static void test_feed_not_a_feed(void **state)
{
	static const char html[] = "<html><body><p>Hello</p></body></html>";
	struct chorus_feed *f = NULL;
	struct chorus_err err;

	(void)state;
	assert_int_equal(chorus_feed_parse(html, strlen(html), NULL, &f, &err),
			 CHORUS_EPARSE);
	assert_null(f);
	assert_int_equal(chorus_feed_parse("  \n", 3, NULL, &f, &err),
			 CHORUS_EEMPTY);
	assert_int_equal(chorus_feed_parse("{\"a\": 1}", 8, NULL, &f, &err),
			 CHORUS_EPARSE);
	assert_int_equal(chorus_feed_parse("{\"a\": ", 6, NULL, &f, &err),
			 CHORUS_EPARSE);
	assert_true(chorus_feed_sniff("<?xml version=\"1.0\"?><rss>", 26));
	assert_true(chorus_feed_sniff("<feed xmlns=\"x\">", 16));
	assert_false(chorus_feed_sniff(html, strlen(html)));
	assert_false(chorus_feed_sniff("Title: x\n\nbody", 14));
}

static void test_feed_http_charset(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
				  "<rss><channel><title>caf\xe9</title>"
				  "</channel></rss>";
	struct chorus_feed_options opt;
	struct chorus_feed *f = NULL;
	struct chorus_err err;

	(void)state;
	memset(&opt, 0, sizeof(opt));
	opt.content_type = "application/rss+xml; charset=ISO-8859-1";
	assert_int_equal(
	    chorus_feed_parse(doc, sizeof(doc) - 1, &opt, &f, &err), 0);
	assert_string_equal(f->title, "caf\xc3\xa9");
	assert_int_equal(f->nerrors, 0);
	chorus_feed_free(f);
}

struct collected {
	int n;
	char *first_title;
};

static int collect(void *ctx, const struct chorus_feed *feed,
		   struct chorus_feed_entry *e)
{
	struct collected *c = ctx;

	assert_string_equal(feed->title, "Harbour Gazette");
	if (!c->n) {
		c->first_title = e->title; /* taken: the parser won't free it */
		e->title = NULL;
	}
	c->n++;
	return 0;
}

static void test_feed_streaming_callback(void **state)
{
	struct collected c = {0, NULL};
	struct chorus_feed *f = NULL;
	struct chorus_err err;
	char path[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/feed/rss2.xml", CHORUS_TEST_DATA);
	assert_int_equal(
	    chorus_feed_parse_file(path, NULL, collect, &c, &f, &err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.first_title,
			    "Ferry & tug collide off the north pier");
	assert_int_equal(f->nentries, 0);
	assert_string_equal(f->link, "https://gazette.example/");
	free(c.first_title);
	chorus_feed_free(f);
	assert_int_equal(chorus_feed_parse_file("/nonexistent/feed.xml", NULL,
						NULL, NULL, &f, &err),
			 CHORUS_ENOTFOUND);
}

static void test_feed_to_article(void **state)
{
	struct chorus_feed *f = parse_file("rss2.xml", NULL);
	struct chorus_article a;
	struct chorus_err err;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(
	    chorus_feed_entry_to_article(f, &f->entries[0], 7, &a, &err), 0);
	assert_string_equal(a.key, "gazette-1234");
	assert_string_equal(a.source, "Harbour Gazette");
	assert_string_equal(a.title, "Ferry & tug collide off the north pier");
	assert_string_equal(a.text, "A ferry and a tug collided at dawn.\n\n"
				    "No one was hurt.");
	assert_string_equal(a.language, "en-GB");
	assert_int_equal(a.date_known, 1);
	assert_int_equal(a.published, 1763450100);
	free(a.key);
	free(a.source);
	free(a.title);
	free(a.link);
	free(a.author);
	free(a.language);
	free(a.summary);
	free(a.text);
	chorus_feed_free(f);
}

static void test_feed_json_output(void **state)
{
	struct chorus_feed *f = parse_file("rss2.xml", NULL);
	struct chorus_buf out;
	struct chorus_err err;
	json_t *root, *e;

	(void)state;
	chorus_buf_init(&out, 0);
	assert_int_equal(chorus_feed_to_json(f, &out, &err), 0);
	root = json_loads(out.data, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "format")),
			    "rss2.0");
	assert_string_equal(json_string_value(json_object_get(root, "updated")),
			    "2025-11-18T09:30:00Z");
	e = json_array_get(json_object_get(root, "entries"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "published")),
			    "2025-11-18T07:15:00Z");
	assert_null(json_object_get(e, "updated")); /* absent: omitted */
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_array_get(json_object_get(e, "enclosures"), 0), "length")),
	    24576);
	assert_int_equal(json_array_size(json_object_get(root, "errors")), 0);
	json_decref(root);
	chorus_buf_release(&out);
	chorus_feed_free(f);
}

/* Regression (fuzzer): the element stack moved under a parent pointer. */
static void test_feed_deep_nesting(void **state)
{
	struct chorus_buf doc;
	struct chorus_feed *f = NULL;
	struct chorus_err err;
	int i;

	(void)state;
	chorus_buf_init(&doc, 0);
	assert_int_equal(chorus_buf_adds(&doc, "<feed xmlns=\"http://www.w3.org"
					       "/2005/Atom\" xml:base=\"http://"
					       "a.example/\"><entry>"),
			 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(
		    chorus_buf_printf(&doc, "<x xml:base=\"d%d/\">", i), 0);
	assert_int_equal(chorus_buf_adds(&doc, "<link href=\"p\"/>"), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(chorus_buf_adds(&doc, "</x>"), 0);
	assert_int_equal(chorus_buf_adds(&doc, "<link href=\"top\"/>"
					       "</entry></feed>"),
			 0);
	assert_int_equal(chorus_feed_parse(doc.data, doc.len, NULL, &f, &err),
			 0);
	assert_int_equal(f->nentries, 1);
	assert_string_equal(f->entries[0].link, "http://a.example/top");
	chorus_feed_free(f);
	chorus_buf_release(&doc);
}

/*
 * Every input a fuzzer ever crashed on reads without harm, whole and in
 * slices, with and without the sanitiser, into valid UTF-8
 * (tests/data/feed/fuzz/).
 */
static void test_feed_fuzz_regressions(void **state)
{
	static const char *const files[] = {
	    "comment_only_crlf.xml",  "error_order.xml",
	    "stack_realloc_uaf.xml",  "doctype_comment_divergence.xml",
	    "attr_invalid_utf8.xml",  "entity_name_cut_utf8.xml",
	    "cr_controls_sliced.xml", NULL};
	const char *const *name;

	(void)state;
	for (name = files; *name; name++) {
		char path[1024];
		struct chorus_buf data, js;
		struct chorus_feed_options opt;
		struct chorus_feed *f = NULL;
		struct chorus_feed_parser *p = NULL;
		struct chorus_err err;
		size_t off;
		int raw;

		snprintf(path, sizeof(path), "%s/feed/fuzz/%s",
			 CHORUS_TEST_DATA, *name);
		chorus_buf_init(&data, 0);
		assert_int_equal(chorus_file_read(path, 1 << 20, &data, &err),
				 0);
		for (raw = 0; raw < 2; raw++) {
			memset(&opt, 0, sizeof(opt));
			opt.raw_html = raw;
			f = NULL;
			if (!chorus_feed_parse(data.data, data.len, &opt, &f,
					       &err)) {
				chorus_buf_init(&js, 0);
				/* jansson refuses strings that are not UTF-8 */
				assert_int_equal(
				    chorus_feed_to_json(f, &js, &err), 0);
				chorus_buf_release(&js);
				chorus_feed_free(f);
			}
		}
		f = NULL;
		assert_int_equal(
		    chorus_feed_parser_new(NULL, NULL, NULL, &p, &err), 0);
		for (off = 0; off < data.len; off += 7)
			if (chorus_feed_parser_push(
				p, data.data + off,
				data.len - off < 7 ? data.len - off : 7, &err))
				break;
		if (!chorus_feed_parser_finish(p, &f, &err))
			chorus_feed_free(f);
		chorus_feed_parser_free(p);
		chorus_buf_release(&data);
	}
}

/*
 * Line ends in body text read the same however the bytes are pushed, in
 * three fuzzer's documents (tests/data/feed/fuzz/):
 *   - cr_run_sliced.xml: Atom xhtml content with bytes that are not UTF-8,
 *     which the reader decodes itself, around a run of '\r', lost a line
 *     end where a push ended between two '\r';
 *   - cr_cdata_sliced.xml: RSS content:encoded (escaped HTML) with a run
 *     of '\r' that the reader handed to libxml2 as CDATA when a push ended
 *     in it: libxml2 passed the section's '\r' on as they were, and the
 *     last one was read with the next push's line end as one;
 *   - cr_controls_sliced.xml: Atom 0.3 escaped content with bytes that
 *     are not UTF-8 and "\r", NULs, "\n": one line end read whole (the
 *     NULs dropped), two where a push ended between the '\r' and the
 *     '\n' (the '\r' decoded alone, or held by libxml2 while a section
 *     or a '\n' of the decoded text came next); found by the fuzz smoke
 *     test in CI.
 */
static void line_ends_sliced(const char *name)
{
	char path[1024];
	struct chorus_feed *whole = NULL, *sliced;
	struct chorus_feed_options opt;
	struct chorus_buf doc, a, b;
	struct chorus_err err;
	size_t step, off, n;

	/* the markup as it came, so that the sanitiser's own line ends
	 * cannot hide the reader's */
	memset(&opt, 0, sizeof(opt));
	opt.raw_html = 1;
	snprintf(path, sizeof(path), "%s/feed/fuzz/%s", CHORUS_TEST_DATA, name);
	chorus_buf_init(&doc, 0);
	chorus_buf_init(&a, 0);
	chorus_buf_init(&b, 0);
	assert_int_equal(chorus_file_read(path, 1 << 20, &doc, &err), 0);
	n = doc.len;
	assert_int_equal(chorus_feed_parse(doc.data, n, &opt, &whole, &err), 0);
	assert_int_equal(chorus_feed_to_json(whole, &a, &err), 0);
	for (step = 1; step <= 64; step++) {
		struct chorus_feed_parser *p = NULL;

		assert_int_equal(
		    chorus_feed_parser_new(&opt, NULL, NULL, &p, &err), 0);
		for (off = 0; off < n; off += step)
			assert_int_equal(chorus_feed_parser_push(
					     p, doc.data + off,
					     n - off < step ? n - off : step,
					     &err),
					 0);
		sliced = NULL;
		assert_int_equal(chorus_feed_parser_finish(p, &sliced, &err),
				 0);
		chorus_feed_parser_free(p);
		chorus_buf_reset(&b);
		assert_int_equal(chorus_feed_to_json(sliced, &b, &err), 0);
		assert_string_equal(chorus_buf_cstr(&b), chorus_buf_cstr(&a));
		chorus_feed_free(sliced);
	}
	chorus_feed_free(whole);
	chorus_buf_release(&doc);
	chorus_buf_release(&a);
	chorus_buf_release(&b);
}

static void test_feed_line_ends_sliced(void **state)
{
	(void)state;
	line_ends_sliced("cr_run_sliced.xml");
	line_ends_sliced("cr_cdata_sliced.xml");
	line_ends_sliced("cr_controls_sliced.xml");
}

static void test_feed_html_to_text(void **state)
{
	static const char html[] = "<p>One &amp; <b>two</b></p><script>x()"
				   "</script><p>three<br>four</p>";

	char *t;

	(void)state;
	t = chorus_feed_html_to_text(html, strlen(html));
	assert_string_equal(t, "One & two\n\nthree\nfour");
	free(t);
	t = chorus_feed_html_to_text("  plain   text \n here ", 22);
	assert_string_equal(t, "plain text here");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_feed_rss2),
	    cmocka_unit_test(test_feed_atom),
	    cmocka_unit_test(test_feed_rss1),
	    cmocka_unit_test(test_feed_json),
	    cmocka_unit_test(test_feed_broken_repaired),
	    cmocka_unit_test(test_feed_billion_laughs),
	    cmocka_unit_test(test_feed_xxe_refused),
	    cmocka_unit_test(test_feed_size_cap),
	    cmocka_unit_test(test_feed_not_a_feed),
	    cmocka_unit_test(test_feed_http_charset),
	    cmocka_unit_test(test_feed_streaming_callback),
	    cmocka_unit_test(test_feed_to_article),
	    cmocka_unit_test(test_feed_json_output),
	    cmocka_unit_test(test_feed_deep_nesting),
	    cmocka_unit_test(test_feed_fuzz_regressions),
	    cmocka_unit_test(test_feed_line_ends_sliced),
	    cmocka_unit_test(test_feed_html_to_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
