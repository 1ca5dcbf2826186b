/*
 * Tests of the Mustache engine: every case of the official specification's
 * interpolation, sections, inverted, comments, partials, delimiters and
 * ~inheritance files, run straight from shared/conformance/mustache-spec/,
 * then the engine's own promises (error messages, the recursion bound, the
 * partial cache, number formats).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "chorus/mustache.h"

#define SPEC_DIR CHORUS_SHARED_DIR "/conformance/mustache-spec/"

/* A loader over a JSON object of name -> source, as the spec cases carry. */
static const char *json_load(void *ctx, const char *name, size_t *len)
{
	json_t *v = json_object_get(ctx, name);

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

/* Render src against data (JSON text) with partials (JSON text or NULL). */
static int render_str(const char *src, const char *data, const char *partials,
		      struct chorus_buf *out, struct chorus_err *err)
{
	struct chorus_mustache *t = NULL;
	json_t *d = json_loads(data, JSON_DECODE_ANY, NULL);
	json_t *p = partials ? json_loads(partials, 0, NULL) : json_object();
	struct chorus_mustache_loader loader = {json_load, p};
	int rc;

	assert_non_null(d);
	assert_non_null(p);
	rc =
	    chorus_mustache_compile(&t, "page.mustache", src, strlen(src), err);
	if (!rc)
		rc = chorus_mustache_render(t, d, &loader, out, err);
	chorus_mustache_free(t);
	json_decref(d);
	json_decref(p);
	return rc;
}

static void run_spec_file(const char *file, int *passed, int *failed)
{
	char path[512];
	json_error_t jerr;
	json_t *spec, *tests, *tc;
	size_t i;

	snprintf(path, sizeof(path), "%s%s", SPEC_DIR, file);
	spec = json_load_file(path, 0, &jerr);
	if (!spec)
		fail_msg("%s: %s", path, jerr.text);
	tests = json_object_get(spec, "tests");
	assert_true(json_array_size(tests) > 0);
	json_array_foreach(tests, i, tc)
	{
		const char *name =
		    json_string_value(json_object_get(tc, "name"));
		json_t *tmpl = json_object_get(tc, "template");
		const char *expected =
		    json_string_value(json_object_get(tc, "expected"));
		json_t *partials = json_object_get(tc, "partials");
		struct chorus_mustache_loader loader = {json_load, partials};
		struct chorus_mustache *t = NULL;
		struct chorus_buf out = CHORUS_BUF_INIT;
		struct chorus_err err = {0};
		int rc;

		rc = chorus_mustache_compile(&t, name, json_string_value(tmpl),
					     json_string_length(tmpl), &err);
		if (!rc)
			rc = chorus_mustache_render(t,
						    json_object_get(tc, "data"),
						    &loader, &out, &err);
		if (!rc && strcmp(chorus_buf_cstr(&out), expected) == 0) {
			(*passed)++;
		} else {
			(*failed)++;
			print_message(
			    "FAIL %s: %s\n  template: %s\n  expected: "
			    "[%s]\n  got:      [%s]\n  error: %s\n",
			    file, name, json_string_value(tmpl), expected,
			    chorus_buf_cstr(&out), rc ? err.msg : "none");
		}
		chorus_mustache_free(t);
		chorus_buf_release(&out);
	}
	json_decref(spec);
}

static void test_mustache_spec(void **state)
{
	static const char *const files[] = {
	    "interpolation.json", "sections.json", "inverted.json",
	    "comments.json",	  "partials.json", "delimiters.json",
	    "~inheritance.json",
	};
	int passed = 0, failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		run_spec_file(files[i], &passed, &failed);
	print_message("mustache spec: %d passed, %d failed\n", passed, failed);
	assert_int_equal(failed, 0);
	/* The seven files hold 163 cases at the pinned spec commit. */
	assert_true(passed >= 150);
}

static void expect_error(const char *src, int code, const char *msg)
{
	struct chorus_mustache *t = NULL;
	struct chorus_err err = {0};

	assert_int_equal(chorus_mustache_compile(&t, "page.mustache", src,
						 strlen(src), &err),
			 code);
	assert_null(t);
	assert_string_equal(err.msg, msg);
}

static void test_mustache_compile_errors(void **state)
{
	(void)state;
	expect_error("<ul>\n\n{{#items}}\n<li>{{name}}</li>\n</ul>\n",
		     CHORUS_ETEMPLATE,
		     "page.mustache:3: unclosed section, at tag {{#items}}");
	expect_error("{{#a}}\n{{#b}}\n{{/a}}\n", CHORUS_ETEMPLATE,
		     "page.mustache:3: closing tag does not match {{#b}} "
		     "opened on line 2, at tag {{/a}}");
	expect_error("x\n{{/a}}", CHORUS_ETEMPLATE,
		     "page.mustache:2: closing tag without an opening tag, at "
		     "tag {{/a}}");
	expect_error("line one\nHello {{name\nthere", CHORUS_ETEMPLATE,
		     "page.mustache:2: unclosed tag, at tag {{name...");
	expect_error("a {{}} b", CHORUS_ETEMPLATE,
		     "page.mustache:1: empty tag, at tag {{}}");
	expect_error("a {{first name}} b", CHORUS_ETEMPLATE,
		     "page.mustache:1: space inside a tag name, at tag "
		     "{{first name}}");
	expect_error("{{=<%>=}}", CHORUS_ETEMPLATE,
		     "page.mustache:1: set-delimiter tag needs two "
		     "delimiters, at tag {{=<%>=}}");
	/* After new delimiters, errors quote the tag as written. */
	expect_error("{{=<% %>=}}\n<%#a%>", CHORUS_ETEMPLATE,
		     "page.mustache:2: unclosed section, at tag <%#a%>");
}

static void test_mustache_nesting_bound(void **state)
{
	struct chorus_buf src = CHORUS_BUF_INIT, out = CHORUS_BUF_INIT;
	struct chorus_mustache *t = NULL;
	struct chorus_err err = {0};
	int rc;

	(void)state;
	/* A partial that includes itself forever fails, not the stack. */
	rc = render_str("top\n{{>loop}}", "{}", "{\"loop\": \"x{{>loop}}\"}",
			&out, &err);
	assert_int_equal(rc, CHORUS_ETEMPLATE);
	assert_string_equal(err.msg,
			    "loop:1: templates nested too deep (a partial that "
			    "includes itself?), at tag {{>loop}}");
	/* So does a parent that extends itself. */
	chorus_buf_reset(&out);
	rc = render_str("{{<p}}{{/p}}", "{}", "{\"p\": \"{{<p}}{{/p}}\"}", &out,
			&err);
	assert_int_equal(rc, CHORUS_ETEMPLATE);
	/* And a block whose override holds the same block. */
	chorus_buf_reset(&out);
	rc = render_str("{{<p}}{{$a}}{{$a}}x{{/a}}{{/a}}{{/p}}", "{}",
			"{\"p\": \"{{$a}}{{/a}}\"}", &out, &err);
	assert_int_equal(rc, CHORUS_ETEMPLATE);
	/* Recursion that ends with the data is fine. */
	chorus_buf_reset(&out);
	rc = render_str("{{>node}}",
			"{\"n\": 1, \"kids\": [{\"n\": 2, \"kids\": [{\"n\": "
			"3, \"kids\": []}]}]}",
			"{\"node\": \"{{n}}({{#kids}}{{>node}}{{/kids}})\"}",
			&out, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(chorus_buf_cstr(&out), "1(2(3()))");
	/* Sections nested past the bound are refused when compiling. */
	for (int i = 0; i <= CHORUS_MUSTACHE_MAX_DEPTH; i++)
		assert_int_equal(chorus_buf_adds(&src, "{{#a}}"), 0);
	rc = chorus_mustache_compile(&t, "deep", src.data, src.len, &err);
	assert_int_equal(rc, CHORUS_ETEMPLATE);
	assert_string_equal(err.msg, "deep:1: sections nested too deep, at "
				     "tag {{#a}}");
	chorus_buf_release(&src);
	chorus_buf_release(&out);
}

static void test_mustache_values(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;
	struct chorus_err err = {0};

	(void)state;
	assert_int_equal(
	    render_str("{{a}}|{{{a}}}|{{i}}|{{big}}|{{r}}|{{whole}}|{{t}}|"
		       "{{f}}|{{n}}|{{o}}|{{l}}|{{missing}}",
		       "{\"a\": \"<a href='x'>&\\\"</a>\", \"i\": -42, "
		       "\"big\": 9007199254740993, \"r\": 0.1, "
		       "\"whole\": 2.0, \"t\": true, \"f\": false, "
		       "\"n\": null, \"o\": {\"x\": 1}, \"l\": [1]}",
		       NULL, &out, &err),
	    0);
	assert_string_equal(chorus_buf_cstr(&out),
			    "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;|"
			    "<a href='x'>&\"</a>|-42|9007199254740993|0.1|2|"
			    "true|false||||");
	/* Truthiness: "" and 0 and {} render, false/null/[] do not. */
	chorus_buf_reset(&out);
	assert_int_equal(
	    render_str("{{#s}}s{{/s}}{{#z}}z{{/z}}{{#o}}o{{/o}}{{#f}}f{{/f}}"
		       "{{#n}}n{{/n}}{{#l}}l{{/l}}{{^l}}!l{{/l}}",
		       "{\"s\": \"\", \"z\": 0, \"o\": {}, \"f\": false, "
		       "\"n\": null, \"l\": []}",
		       NULL, &out, &err),
	    0);
	assert_string_equal(chorus_buf_cstr(&out), "szo!l");
	chorus_buf_release(&out);
}

/* A loader whose text for "p" changes address between renders. */
struct moving {
	char text[2][32];
	int which;
	int calls;
};

static const char *moving_load(void *ctx, const char *name, size_t *len)
{
	struct moving *m = ctx;

	m->calls++;
	if (strcmp(name, "p") != 0)
		return NULL;
	*len = strlen(m->text[m->which]);
	return m->text[m->which];
}

static void test_mustache_partial_cache(void **state)
{
	struct moving m = {{"[{{x}}]", "<{{x}}>"}, 0, 0};
	struct chorus_mustache_loader loader = {moving_load, &m};
	struct chorus_mustache *t = NULL;
	struct chorus_buf out = CHORUS_BUF_INIT;
	struct chorus_err err = {0};
	json_t *d = json_pack("{s:s}", "x", "1");
	const char *src = "{{>p}}{{>p}}{{>none}}";

	(void)state;
	assert_int_equal(
	    chorus_mustache_compile(&t, "c", src, strlen(src), &err), 0);
	assert_int_equal(chorus_mustache_render(t, d, &loader, &out, &err), 0);
	assert_string_equal(chorus_buf_cstr(&out), "[1][1]");
	/* The same pointer reuses the compiled partial; a new one recompiles.
	 */
	m.which = 1;
	chorus_buf_reset(&out);
	assert_int_equal(chorus_mustache_render(t, d, &loader, &out, &err), 0);
	assert_string_equal(chorus_buf_cstr(&out), "<1><1>");
	/* No loader: partials are empty. */
	chorus_buf_reset(&out);
	assert_int_equal(chorus_mustache_render(t, d, NULL, &out, &err), 0);
	assert_string_equal(chorus_buf_cstr(&out), "");
	assert_int_equal(m.calls, 6);
	chorus_mustache_free(t);
	chorus_buf_release(&out);
	json_decref(d);
}

static void test_mustache_partial_error(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;
	struct chorus_err err = {0};

	(void)state;
	/* A broken partial names itself and its line. */
	assert_int_equal(render_str("ok {{>head}}", "{}",
				    "{\"head\": \"<h1>\\n{{#t}}\\n</h1>\"}",
				    &out, &err),
			 CHORUS_ETEMPLATE);
	assert_string_equal(err.msg, "head:2: unclosed section, at tag {{#t}}");
	chorus_buf_release(&out);
}

static void test_mustache_layout(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;
	struct chorus_err err = {0};

	(void)state;
	/* One base layout that pages extend, as the site uses it. */
	assert_int_equal(
	    render_str("{{<base}}\n{{$title}}{{t}}{{/title}}\n{{$main}}\n"
		       "<p>{{body}}</p>\n{{/main}}\n{{/base}}\n",
		       "{\"t\": \"A & B\", \"body\": \"hi\"}",
		       "{\"base\": \"<html>\\n<title>{{$title}}chorus{{/"
		       "title}}</title>\\n<main>\\n  {{$main}}\\n  {{/main}}"
		       "\\n</main>\\n</html>\\n\"}",
		       &out, &err),
	    0);
	assert_string_equal(chorus_buf_cstr(&out),
			    "<html>\n<title>A &amp; B</title>\n<main>\n  "
			    "<p>hi</p>\n</main>\n</html>\n");
	chorus_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mustache_spec),
	    cmocka_unit_test(test_mustache_compile_errors),
	    cmocka_unit_test(test_mustache_nesting_bound),
	    cmocka_unit_test(test_mustache_values),
	    cmocka_unit_test(test_mustache_partial_cache),
	    cmocka_unit_test(test_mustache_partial_error),
	    cmocka_unit_test(test_mustache_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
