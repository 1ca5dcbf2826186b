/*
 * libFuzzer target: the JSON Feed reader. Inputs that do not open with
 * '{' would go to the XML reader, so they are skipped; the rest must read
 * or fail cleanly, and what is read must turn into valid JSON again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chorus/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chorus_feed_options opt;
	struct chorus_feed *f = NULL;
	struct chorus_buf out;
	struct chorus_err err;
	struct chorus_article art;
	size_t i;

	if (!size || data[0] != '{')
		return 0;
	memset(&opt, 0, sizeof(opt));
	opt.max_size = 1 << 20;
	if (chorus_feed_parse((const char *)data, size, &opt, &f, &err))
		return 0;
	chorus_buf_init(&out, 0);
	if (chorus_feed_to_json(f, &out, &err))
		abort();
	for (i = 0; i < f->nentries; i++) {
		memset(&art, 0, sizeof(art));
		if (chorus_feed_entry_to_article(f, &f->entries[i], 0, &art,
						 &err))
			continue;
		free(art.key);
		free(art.source);
		free(art.title);
		free(art.link);
		free(art.author);
		free(art.language);
		free(art.summary);
		free(art.text);
	}
	chorus_buf_release(&out);
	chorus_feed_free(f);
	return 0;
}
