/*
 * Inside the library: chorus_story_view_compute() with the caller's text
 * analyser, whose word cache then serves every story a thread summarises
 * (the renderer keeps one per thread; src/story.c, src/render.c).
 */
#ifndef CHORUS_STORY_INT_H
#define CHORUS_STORY_INT_H

#include "chorus/cluster.h"
#include "chorus/text.h"

/*
 * What story_view_compute() computes, as far as the pages show it: part
 * of every cached view's fingerprint (src/render_cache.c), beside the
 * chorus version, so that a change to it recomputes the views a site
 * kept. Bump it with any such change. 2: the shared names spelled as a
 * member writes them ("Kirill Dmitriev"), no longer folded.
 */
#define STORY_VIEW_REVISION "2"

int story_view_compute(struct chorus_text_analyser *ta,
		       const struct chorus_corpus *c,
		       const struct chorus_story *s,
		       struct chorus_story_view *out, struct chorus_err *err);

#endif
