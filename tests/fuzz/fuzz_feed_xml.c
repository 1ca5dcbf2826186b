/*
 * libFuzzer target: any bytes through the feed reader (format sniffed, so
 * mostly the XML path), pushed whole and then in slices whose sizes come
 * from the input, as a network reader would. Checks the invariants that
 * matter beyond "no crash": the result always turns into JSON (so every
 * string is valid UTF-8), and a document libxml2 finds well-formed (the
 * reader's own repairs aside) reads the same however it is sliced. For
 * documents libxml2 has to recover, its recovery depends on where the
 * pushes end, so only safety is checked there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chorus/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The JSON of f, without its errors when bare is set. */
static int to_json(struct chorus_feed *f, struct chorus_buf *out, int bare)
{
	struct chorus_err err;
	size_t n = f->nerrors;
	int rc;

	chorus_buf_reset(out);
	if (bare)
		f->nerrors = 0;
	rc = chorus_feed_to_json(f, out, &err);
	f->nerrors = n;
	return rc;
}

/*
 * Is the document broken, by libxml2's word or because it stops inside an
 * entry? The latter is not well-formed either, and libxml2 can stop
 * without a word where the pushes end (seen with an EUC-KR document
 * holding bytes that are not EUC-KR and NULs).
 */
static int libxml2_errors(const struct chorus_feed *f)
{
	size_t i;

	for (i = 0; i < f->nerrors; i++)
		if (!strncmp(f->errors[i].message, "not well-formed", 15) ||
		    !strcmp(f->errors[i].message,
			    "the document ends inside an entry"))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chorus_feed_options opt;
	struct chorus_feed *whole = NULL, *sliced = NULL;
	struct chorus_feed_parser *p = NULL;
	struct chorus_buf a, b;
	struct chorus_err err;
	size_t off = 0, step = size ? (size_t)data[0] % 61 + 1 : 1;
	int rc1, rc2 = 0;

	memset(&opt, 0, sizeof(opt));
	opt.max_size = 1 << 20;
	/* Half the inputs skip the sanitiser, so that it cannot hide what
	 * the reader itself hands on. */
	opt.raw_html = (int)(size & 1);
	rc1 = chorus_feed_parse((const char *)data, size, &opt, &whole, &err);
	if (chorus_feed_parser_new(&opt, NULL, NULL, &p, &err))
		return 0;
	while (!rc2 && off < size) {
		size_t n = size - off < step ? size - off : step;

		rc2 = chorus_feed_parser_push(p, (const char *)data + off, n,
					      &err);
		off += n;
	}
	if (!rc2)
		rc2 = chorus_feed_parser_finish(p, &sliced, &err);
	chorus_feed_parser_free(p);
	chorus_buf_init(&a, 0);
	chorus_buf_init(&b, 0);
	if (!rc1 && to_json(whole, &a, 0))
		abort(); /* invalid UTF-8 would fail here */
	if (!rc2 && to_json(sliced, &b, 0))
		abort();
	if (!rc1 && !rc2 && !libxml2_errors(whole) && !libxml2_errors(sliced)) {
		if (to_json(whole, &a, 1) || to_json(sliced, &b, 1))
			abort();
		if (a.len != b.len || memcmp(a.data, b.data, a.len))
			abort();
		if (!whole->nerrors != !sliced->nerrors)
			abort();
	}
	chorus_buf_release(&a);
	chorus_buf_release(&b);
	chorus_feed_free(whole);
	chorus_feed_free(sliced);
	return 0;
}
